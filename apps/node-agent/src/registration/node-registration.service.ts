import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AgentRoots, NodeRegistration, RingView, SCHEMA_VERSION } from '@daedalus/contracts';
import { JmxError } from '@daedalus/jmx';
import { NodeRegistry, retryDuringStartup } from '@daedalus/messaging';
import { Clock, errorMessage, retry } from '@daedalus/common';
import { AgentConfig } from '../agent-config';
import { readCassandraLayout } from '../cassandra/cassandra-yaml';
import { CassandraNode, NodeDescription, SchemaView } from '../cassandra/cassandra-node';
import { describedNode } from './described-node';
import { readTableIds } from '../cassandra/table-directories';
import { agentRoots, registeredRoots } from '../paths/agent-roots';
import { NodeIdentity } from './node-identity';

const AGENT_VERSION = '0.1.0';
/** A full re-read of the node (tokens, addresses, schema) every this many heartbeats; mode and schema version every time. */
const FULL_REFRESH_EVERY = 15;
/**
 * Heartbeats that re-read the schema after its version changed. More than one, because a node may announce
 * the new version a moment before it has registered the new tables' MBeans.
 */
const SCHEMA_REREADS = 2;

/**
 * Who this agent is (the node's host ID, read over JMX — never a hostname) and the heartbeat that tells
 * coordinators it is alive. The registration is rewritten at every heartbeat; its age is the liveness signal.
 * It also carries the node's schema and the agent's capabilities, so the gateway can refuse a request that
 * names an unknown table, or a truncate no node allows, before it becomes an operation.
 */
@Injectable()
export class NodeRegistrationService extends NodeIdentity implements OnApplicationShutdown {
  private readonly logger = new Logger(NodeRegistrationService.name);
  private registration?: NodeRegistration;
  private timer?: NodeJS.Timeout;
  private beats = 0;
  private beating = false;
  private schemaRereads = 0;
  private announceRegistered!: (registration: NodeRegistration) => void;
  private readonly registered = new Promise<NodeRegistration>((resolve) => (this.announceRegistered = resolve));

  constructor(
    private readonly node: CassandraNode,
    private readonly registry: NodeRegistry,
    private readonly config: AgentConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  get current(): NodeRegistration {
    if (!this.registration) throw new Error('the agent has not registered yet');
    return this.registration;
  }

  /** The directories requests may reach on this node (paths/agent-roots.ts), as registered. */
  get roots(): AgentRoots {
    return registeredRoots(this.current);
  }

  /** Resolves once the agent knows its node (services keyed by host ID start then). */
  whenRegistered(): Promise<NodeRegistration> {
    return this.registered;
  }

  /** Waits (bounded by --startup-timeout-ms) for the node to answer over JMX, then registers. */
  async register(): Promise<NodeRegistration> {
    const readNode = async () =>
      this.build(await this.node.describe(), await this.node.schema(), this.clock.now().toISOString(), undefined);
    try {
      this.registration = await retry(readNode, {
        deadlineMs: this.config.startupTimeoutMs,
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        now: () => this.clock.now().getTime(),
        onRetry: ({ error }) => this.logger.warn(`waiting for Cassandra over JMX: ${errorMessage(error)}`),
      });
    } catch (error) {
      throw new Error(`Cassandra did not answer over JMX within ${this.config.startupTimeoutMs} ms: ${errorMessage(error)}`);
    }
    // A JetStream cluster that has just started may still be electing the bucket's leader ("jetstream is not
    // enabled" for a while): the first write is waited out like the start-up set-up calls, within the same bound.
    const registration = this.registration;
    await retryDuringStartup('registering the node', () => this.registry.put(registration), {
      timeoutMs: this.config.startupTimeoutMs,
      onRetry: (message) => this.logger.warn(message),
    });
    this.logger.log(
      `registered node ${this.registration.hostId} (${this.registration.address}, ${this.registration.dc}/${this.registration.rack})`,
    );
    this.timer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
    this.announceRegistered(this.registration);
    return this.registration;
  }

  private async build(
    description: NodeDescription,
    schema: SchemaView,
    startedAt: string,
    previous: NodeRegistration | undefined,
  ): Promise<NodeRegistration> {
    const dataDirectories =
      this.config.dataDirs.length > 0
        ? this.config.dataDirs
        : (await readCassandraLayout(this.config.cassandraConfigDir, this.config.cassandraHome)).dataDirectories;
    return {
      schemaVersion: SCHEMA_VERSION,
      ...describedNode(description),
      dataDirectories,
      agentVersion: AGENT_VERSION,
      startedAt,
      heartbeatAt: this.clock.now().toISOString(),
      keyspaces: schema,
      tableIds: await this.tableIds(schema, description.schemaVersion, previous),
      capabilities: { truncateEnabled: this.config.enableTruncate },
      roots: agentRoots(this.config, dataDirectories),
      ring: await this.ring(),
    };
  }

  /** Who is in the token ring now: coordinators tell a departed node from a down one by it. */
  private async ring(): Promise<RingView> {
    return { members: await this.node.ringMembers(), readAt: this.clock.now().toISOString() };
  }

  /**
   * The heartbeat says "this agent is alive". When Cassandra does not answer, the agent still beats but
   * reports the mode as UNREACHABLE, so operations see the node is not usable rather than silently hanging.
   */
  async heartbeat(): Promise<void> {
    if (!this.registration || this.beating) return; // a slow JMX answer must not stack heartbeats up
    this.beating = true;
    try {
      this.beats++;
      this.registration = await this.refreshed(this.registration);
      try {
        await this.registry.put(this.registration);
      } catch (error) {
        this.logger.warn(`heartbeat not stored: ${errorMessage(error)}`);
      }
    } finally {
      this.beating = false;
    }
  }

  private async refreshed(previous: NodeRegistration): Promise<NodeRegistration> {
    const next: NodeRegistration = { ...previous, heartbeatAt: this.clock.now().toISOString() };
    if (this.beats % FULL_REFRESH_EVERY === 0) {
      try {
        const full = await this.build(await this.node.describe(), await this.node.schema(), previous.startedAt, previous);
        if (full.hostId === previous.hostId) return full;
        this.logger.error(`the node's host ID changed from ${previous.hostId} to ${full.hostId}: restart the agent`);
      } catch (error) {
        // e.g. a decommissioned node no longer lists itself in the ring: keep what we knew, read the mode below
        if (!(error instanceof JmxError)) this.logger.warn(`full refresh of the registration failed: ${errorMessage(error)}`);
      }
    }
    try {
      const [mode, schemaVersion] = await Promise.all([this.node.operationMode(), this.node.schemaVersion()]);
      next.operationMode = mode;
      next.ring = await this.ring();
      if (schemaVersion !== previous.schemaVersionId) this.schemaRereads = SCHEMA_REREADS;
      next.schemaVersionId = schemaVersion;
      if (this.schemaRereads > 0) {
        next.keyspaces = await this.node.schema();
        next.tableIds = await this.tableIds(next.keyspaces, schemaVersion, undefined);
        this.schemaRereads--;
      }
    } catch (error) {
      next.operationMode = 'UNREACHABLE';
      delete next.ring; // an old view must not speak for the ring
      if (!(error instanceof JmxError)) this.logger.warn(`heartbeat could not read the node: ${errorMessage(error)}`);
    }
    return next;
  }

  /**
   * The live id of every table. Ids only change with the schema, so while the schema version stays the same
   * the ids already known are kept and only tables new to us are read.
   */
  private async tableIds(
    schema: SchemaView,
    schemaVersionId: string,
    previous: NodeRegistration | undefined,
  ): Promise<Record<string, string>> {
    const known = previous?.schemaVersionId === schemaVersionId ? (previous.tableIds ?? {}) : {};
    return readTableIds(this.node, schema, known);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
