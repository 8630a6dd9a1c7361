import { AgentRoots, NodeRegistration } from '@daedalus/contracts';

/**
 * Who this node is and which directories requests may reach, as the executors need it. The agent's
 * NodeRegistrationService is one (read over JMX, heartbeating over NATS); the CLI's local mode builds one from
 * its flags and the backup (apps/cli/src/esop), so the same executors run without NATS — and without JMX for
 * an IN_PLACE restore of a stopped node.
 */
export abstract class NodeIdentity {
  abstract get current(): NodeRegistration;
  /** The directories requests may reach on this node (paths/agent-roots.ts). */
  abstract get roots(): AgentRoots;
}
