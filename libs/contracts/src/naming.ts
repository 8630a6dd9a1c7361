/**
 * The one place that names every stream, subject, consumer and KV bucket. Everything that talks to NATS
 * builds names through here, so the protocol documented in docs/design.md has a single source.
 */
const ROOT = 'daedalus';

/** NATS subject tokens may not contain '.', '*', '>' or whitespace. Host IDs and UUIDs never do. */
export function assertSubjectToken(token: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new Error(`${what} "${token}" cannot be used in a NATS subject`);
  }
  return token;
}

export const Streams = {
  /** Operation requests and cancels from the gateway or direct clients; consumed by coordinators. */
  requests: 'DAEDALUS_REQUESTS',
  /** Per-node commands from coordinators; each agent consumes its own subject. */
  commands: 'DAEDALUS_COMMANDS',
  /** Progress and results from node agents; consumed by coordinators. */
  events: 'DAEDALUS_EVENTS',
  /** Messages no handler could process, with the reason; kept for operators. */
  deadLetters: 'DAEDALUS_DLQ',
} as const;

export const Subjects = {
  requestsAll: `${ROOT}.requests.>`,
  submit: `${ROOT}.requests.submit`,
  cancel: `${ROOT}.requests.cancel`,
  /** Resume a FAILED restore from the phase that failed. */
  resume: `${ROOT}.requests.resume`,
  /** An Alertmanager notification of Daedalus's alerts, relayed by the gateway to the coordinators' webhooks. */
  alert: `${ROOT}.requests.alert`,

  commandsAll: `${ROOT}.commands.>`,
  commandsFor: (hostId: string) => `${ROOT}.commands.${assertSubjectToken(hostId, 'host ID')}`,

  eventsAll: `${ROOT}.events.>`,
  eventsFor: (operationId: string, hostId: string) =>
    `${ROOT}.events.${assertSubjectToken(operationId, 'operation ID')}.${assertSubjectToken(hostId, 'host ID')}`,

  deadLettersAll: `${ROOT}.dlq.>`,
  deadLetterFor: (stream: string) => `${ROOT}.dlq.${assertSubjectToken(stream, 'stream')}`,

  /** Core NATS (not persisted): the operation record after every change, for watchers. */
  operationUpdates: (operationId: string) => `${ROOT}.operations.${assertSubjectToken(operationId, 'operation ID')}`,
  operationUpdatesAll: `${ROOT}.operations.*`,

  /** Core NATS request/reply, answered by any agent (queue group `agents`): the backups under a location. */
  listBackups: `${ROOT}.backups.list`,

  /**
   * Core NATS request/reply, answered by any coordinator (queue group `coordinators`): define, change, read and
   * delete schedules, as `/schedules` does over HTTP.
   */
  manageSchedules: `${ROOT}.schedules.manage`,

  /** Core NATS request/reply: live answers about one node (status, versions, topology, schema) read over JMX. */
  nodeQuery: (hostId: string) => `${ROOT}.nodes.${assertSubjectToken(hostId, 'host ID')}.query`,
} as const;

export const Consumers = {
  /**
   * One consumer per kind of request, each shared by all coordinator replicas (a request goes to one replica at a
   * time). Separate, so each kind has its own pending bound: cancels of operations nobody submitted wait out their
   * retries in the cancel consumer's slots, never in the submit consumer's.
   */
  coordinatorSubmits: 'coordinator-submits',
  coordinatorCancels: 'coordinator-cancels',
  coordinatorResumes: 'coordinator-resumes',
  coordinatorAlerts: 'coordinator-alerts',
  /** What earlier builds shared for every request (filter `daedalus.requests.>`): coordinators delete it at start-up. */
  retiredCoordinatorRequests: 'coordinator-requests',
  coordinatorEvents: 'coordinator-events',
  agentCommands: (hostId: string) => `agent-${assertSubjectToken(hostId, 'host ID')}`,
} as const;

/** Queue groups for core NATS services that any one agent may answer. */
export const QueueGroups = {
  agents: 'agents',
  coordinators: 'coordinators',
} as const;

export const Buckets = {
  /** Operation records, key = operation id; compare-and-set on every change. */
  operations: 'daedalus-operations',
  /**
   * One marker per operation that is not finished (key = operation id), so the sweeper reads only those,
   * not every record kept for the retention period.
   */
  activeOperations: 'daedalus-active-operations',
  /** Node registrations, key = Cassandra host ID; rewritten at every heartbeat. */
  nodes: 'daedalus-nodes',
  /** Schedules, key = schedule id: the definition and its last runs; coordinators fire them by compare-and-set. */
  schedules: 'daedalus-schedules',
  /**
   * Webhook deliveries not yet settled, key = delivery id (dots as `_`): who delivers each until when, so another
   * coordinator takes over the delivery of one that died. Erased when settled.
   */
  webhookDeliveries: 'daedalus-webhook-deliveries',
} as const;

/** Headers we set on JetStream messages. `Nats-Msg-Id` is JetStream's own de-duplication header. */
export const Headers = {
  messageId: 'Nats-Msg-Id',
  schemaVersion: 'Daedalus-Schema-Version',
  deadLetterReason: 'Daedalus-Dead-Letter-Reason',
  deadLetterSubject: 'Daedalus-Original-Subject',
  deadLetterDeliveries: 'Daedalus-Deliveries',
} as const;

export const MessageIds = {
  submit: (operationId: string) => `submit.${operationId}`,
  cancel: (operationId: string) => `cancel.${operationId}`,
  /** one id per resume: a repeat of the same request is dropped, the next resume (after another failure) is not */
  resume: (operationId: string, resumeCount: number) => `resume.${operationId}.${resumeCount}`,
  /** an Alertmanager notification's de-duplication id (alertNotificationId): sent again, it is dropped */
  alert: (notificationId: string) => `alert.${notificationId}`,
  /**
   * `resume` (the record's resume count) keeps a resumed run's commands apart from the first run's; `round` (the
   * node's, after a pause at a maintenance window's end) a re-admitted node's from its earlier rounds'.
   */
  command: (operationId: string, hostId: string, kind: string, resume = 0, round = 0) =>
    `command.${operationId}.${hostId}.${kind}${resume > 0 ? `.r${resume}` : ''}${round > 0 ? `.round${round}` : ''}`,
  /**
   * A node's result (or start) in one phase of one run; progress events are all distinct. `resume` as for
   * commands: a resumed run's result is not dropped as a repeat of the failed run's.
   */
  event: (operationId: string, hostId: string, kind: string, phase?: string, resume = 0, round = 0) =>
    `event.${operationId}.${hostId}.${kind}${phase ? `.${phase}` : ''}${resume > 0 ? `.r${resume}` : ''}${round > 0 ? `.round${round}` : ''}`,
} as const;
