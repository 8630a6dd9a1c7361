/**
 * Who may publish and subscribe to what on a least-privilege nats-server: one identity per service (the gateway,
 * the coordinators — every replica shares one — and one per node agent, named by its Cassandra host ID). Built
 * from the naming module only, so a renamed subject cannot leave the permissions behind. Rendered into a
 * nats-server.conf by scripts/nats-config.ts; the table is in docs/design.md ("NATS permissions").
 *
 * An agent may create and update exactly one consumer: its durable `agent-<hostId>` with the filter
 * `daedalus.commands.<hostId>`. The client sends a create as `$JS.API.CONSUMER.CREATE.<stream>.<durable>.<filter>`,
 * and the server refuses one whose configuration's filter is not the subject's (nats-server 2.9.10 does: error
 * 10131, "Consumer create request did not match filtered subject"), so the agent cannot point its durable at
 * another node's commands; the plain `CREATE.<stream>.<durable>`, which names no filter, is not allowed to it.
 */
import { assertSubjectToken, Buckets, Consumers, Streams, Subjects } from '@daedalus/contracts';

export interface Permissions {
  publish: string[];
  subscribe: string[];
  /** may answer requests it received (one reply to each reply subject), whatever `publish` says */
  allowResponses: boolean;
}

export interface Identity {
  /** `gateway`, `coordinator`, `agent-<hostId>` or `client-<name>`; the user name in password mode */
  name: string;
  /** what the identity is, for the config's comments */
  role: string;
  /** the service's NATS_INBOX_PREFIX: the only reply subjects it may subscribe to */
  inboxPrefix: string;
  permissions: Permissions;
}

const API = '$JS.API';
const kvStream = (bucket: string) => `KV_${bucket}`;
const kvSubject = (bucket: string, key: string) => `$KV.${bucket}.${key}`;
const ALL_BUCKETS = [Buckets.operations, Buckets.activeOperations, Buckets.nodes, Buckets.schedules, Buckets.webhookDeliveries];
const ALL_STREAMS = [Streams.requests, Streams.commands, Streams.events, Streams.deadLetters, ...ALL_BUCKETS.map(kvStream)];

/** A subject the naming module builds, with one variable token as the wildcard `*`. */
function anyToken(build: (token: string) => string): string {
  const marker = '__any__';
  return build(marker).replace(marker, '*');
}

export const inboxPrefixOf = (name: string) => `_INBOX.${name}`;

/**
 * What every service does at start-up: checks JetStream is there (`$JS.API.INFO`) and reads every stream's
 * and bucket's settings (STREAM.INFO: creates nothing that exists; bucketKeys lists keys the same way).
 */
function startupReads(): string[] {
  return [`${API}.INFO`, ...ALL_STREAMS.map((stream) => `${API}.STREAM.INFO.${stream}`)];
}

/** KV reads: every bucket is read from its stream leader (`allow_direct: false`), one message-get per key. */
const kvReads = (buckets: string[]) => buckets.map((bucket) => `${API}.STREAM.MSG.GET.${kvStream(bucket)}`);

/** Pulling from one durable and settling what it delivered (ack, nak, working, term). */
function consumes(stream: string, durable: string): string[] {
  return [`${API}.CONSUMER.INFO.${stream}.${durable}`, `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`];
}

/**
 * Watching the operation records (the gateway's event streams): an ordered consumer of the bucket's stream, made
 * anew (named `KV_WATCHER_<nuid>`) whenever it falls behind, delivered to the service's own inbox with flow control.
 */
function recordWatches(): string[] {
  const stream = kvStream(Buckets.operations);
  return [
    `${API}.CONSUMER.CREATE.${stream}.*`,
    `${API}.CONSUMER.CREATE.${stream}.*.>`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * The gateway: submits, cancels, resumes and relays alerts (the request stream's four subjects, nothing else), creates the
 * PENDING record and its active marker (and fails a record it could not queue), reads and watches records, reads
 * registrations, removes a registration (`DELETE /nodes/{hostId}`), asks nodes and lists backups.
 */
export function gatewayIdentity(): Identity {
  const name = 'gateway';
  return {
    name,
    role: 'gateway (HTTP API)',
    inboxPrefix: inboxPrefixOf(name),
    permissions: {
      publish: [
        ...startupReads(),
        ...kvReads([Buckets.operations, Buckets.nodes, Buckets.schedules]),
        Subjects.submit,
        Subjects.cancel,
        Subjects.resume,
        Subjects.alert,
        kvSubject(Buckets.operations, '*'),
        kvSubject(Buckets.activeOperations, '*'),
        kvSubject(Buckets.nodes, '*'),
        // POST/PUT/DELETE /schedules
        kvSubject(Buckets.schedules, '*'),
        anyToken(Subjects.nodeQuery),
        Subjects.listBackups,
        ...recordWatches(),
      ],
      subscribe: [`${inboxPrefixOf(name)}.>`],
      allowResponses: false,
    },
  };
}

/**
 * The coordinators (every replica one identity): provision the topology (create and update the streams and
 * buckets, their own durables, and agents' durables for `nats-config.ts provision`), consume requests and node events, keep
 * the records and markers by compare-and-set, send node commands, announce records, ask nodes (coverage) and
 * dead-letter what they cannot handle.
 */
export function coordinatorIdentity(): Identity {
  const name = 'coordinator';
  const consumerStreams = [Streams.requests, Streams.events, Streams.commands];
  return {
    name,
    role: 'coordinators (all replicas)',
    inboxPrefix: inboxPrefixOf(name),
    permissions: {
      publish: [
        ...startupReads(),
        ...ALL_STREAMS.flatMap((stream) => [`${API}.STREAM.CREATE.${stream}`, `${API}.STREAM.UPDATE.${stream}`]),
        // nats-server 2.9 names the consumer (`CREATE.<stream>.<durable>`); 2.10 and later add its filter after it
        ...consumerStreams.flatMap((stream) => [
          `${API}.CONSUMER.CREATE.${stream}.*`,
          `${API}.CONSUMER.CREATE.${stream}.*.>`,
          `${API}.CONSUMER.INFO.${stream}.*`,
        ]),
        `${API}.CONSUMER.DELETE.${Streams.requests}.${Consumers.retiredCoordinatorRequests}`,
        ...kvReads(ALL_BUCKETS),
        ...[Consumers.coordinatorSubmits, Consumers.coordinatorCancels, Consumers.coordinatorResumes, Consumers.coordinatorAlerts].flatMap(
          (durable) => consumes(Streams.requests, durable),
        ),
        ...consumes(Streams.events, Consumers.coordinatorEvents),
        kvSubject(Buckets.operations, '*'),
        kvSubject(Buckets.activeOperations, '*'),
        // a retired marker is erased by a stream purge filtered on its key (OperationStore.retire)
        `${API}.STREAM.PURGE.${kvStream(Buckets.activeOperations)}`,
        // firing schedules: each look records its runs by compare-and-set
        kvSubject(Buckets.schedules, '*'),
        // webhook deliveries in flight: leased, renewed, taken over by compare-and-set, erased when settled
        kvSubject(Buckets.webhookDeliveries, '*'),
        `${API}.STREAM.PURGE.${kvStream(Buckets.webhookDeliveries)}`,
        anyToken(Subjects.commandsFor),
        // retention after a backup: the coordinator submits the remove-backup as any client would
        Subjects.submit,
        Subjects.operationUpdatesAll,
        anyToken(Subjects.nodeQuery),
        Subjects.deadLetterFor(Streams.requests),
        Subjects.deadLetterFor(Streams.events),
      ],
      // schedule requests of direct clients (queue group `coordinators`), answered on the asker's reply subject
      subscribe: [`${inboxPrefixOf(name)}.>`, Subjects.manageSchedules],
      allowResponses: true,
    },
  };
}

/**
 * One node agent: creates and pulls from its own durable only (filtered to its own commands), publishes its own
 * events and registration, reads operation records (a command runs only for a record that names it), answers its
 * own live queries and any backup listing, and dead-letters a command it cannot handle. It may not submit, send
 * commands, write records or markers, touch another node's registration, events, queries or commands, or create
 * or change any stream or any other consumer.
 */
export function agentIdentity(hostId: string): Identity {
  const name = Consumers.agentCommands(hostId);
  return {
    name,
    role: `node agent of host ${hostId}`,
    inboxPrefix: inboxPrefixOf(name),
    permissions: {
      publish: [
        ...startupReads(),
        ...kvReads([Buckets.operations]),
        ...consumes(Streams.commands, Consumers.agentCommands(hostId)),
        `${API}.CONSUMER.CREATE.${Streams.commands}.${Consumers.agentCommands(hostId)}.${Subjects.commandsFor(hostId)}`,
        anyToken((operationId) => Subjects.eventsFor(operationId, hostId)),
        kvSubject(Buckets.nodes, hostId),
        Subjects.deadLetterFor(Streams.commands),
      ],
      subscribe: [`${inboxPrefixOf(name)}.>`, Subjects.nodeQuery(hostId), Subjects.listBackups],
      allowResponses: true,
    },
  };
}

/**
 * A direct client (docs/design.md, "Direct clients"): submits, cancels and resumes on NATS, reads records and
 * watches their announcements, lists backups. It writes no KV (the coordinators create a direct submission's
 * record) and cannot send commands or events.
 */
export function clientIdentity(clientName: string): Identity {
  const name = `client-${assertSubjectToken(clientName, 'client name')}`;
  return {
    name,
    role: `direct client ${clientName}`,
    inboxPrefix: inboxPrefixOf(name),
    permissions: {
      publish: [
        `${API}.INFO`,
        `${API}.STREAM.INFO.${kvStream(Buckets.operations)}`,
        ...kvReads([Buckets.operations]),
        Subjects.submit,
        Subjects.cancel,
        Subjects.resume,
        Subjects.listBackups,
        Subjects.manageSchedules,
      ],
      subscribe: [`${inboxPrefixOf(name)}.>`, Subjects.operationUpdatesAll],
      allowResponses: false,
    },
  };
}

/** Every identity of a deployment whose nodes have these host IDs, with these direct clients. */
export function identities(hostIds: string[], clients: string[] = []): Identity[] {
  const agents = [...new Set(hostIds)].map((hostId) => agentIdentity(hostId));
  return [gatewayIdentity(), coordinatorIdentity(), ...agents, ...[...new Set(clients)].map(clientIdentity)];
}
