/**
 * What a NATS client with no part in Daedalus can try on a broker that lets it (an open server, or a permission
 * set too wide): each function is one attack, done as a raw client would — its own connection, the public
 * subjects and buckets, nothing of the services' code but the names and the request digest anyone can compute.
 * Used by test/e2e/nats-attacks.test.ts against the services' own checks, and reusable against a permissioned
 * server (where the broker itself should refuse the publishes and writes: the functions then reject).
 */
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { NatsConnection } from '@nats-io/transport-node';
import {
  Buckets,
  Headers as DaedalusHeaders,
  NodeCommandMessage,
  NodeEventKind,
  NodeEventMessage,
  OperationRecord,
  OperationState,
  requestDigest,
  SCHEMA_VERSION,
  Streams,
  Subjects,
  SubmitOperationMessage,
} from '@daedalus/contracts';

/** A node to attack: its host ID (public: registrations are in KV). */
export interface NodeTarget {
  hostId: string;
  address: string;
  dc: string;
}

async function publishJson(js: JetStreamClient, subject: string, value: unknown): Promise<void> {
  // a fresh message id: the forger wants its message delivered, not dropped as someone's duplicate
  await js.publish(subject, JSON.stringify(value), { msgID: `forged.${randomUUID()}` });
}

/** The operation record as stored in KV (anyone who can read the bucket can read it). */
export async function readRecord(
  nc: NatsConnection,
  operationId: string,
): Promise<{ record: OperationRecord; revision: number } | undefined> {
  const kv = await new Kvm(nc).open(Buckets.operations);
  const entry = await kv.get(operationId);
  if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
  return { record: entry.json<OperationRecord>(), revision: entry.revision };
}

/** Writes a record into the operations bucket (a put: whatever was there is overwritten). */
export async function writeRecord(nc: NatsConnection, record: OperationRecord): Promise<void> {
  const kv = await new Kvm(nc).open(Buckets.operations);
  await kv.put(record.id, JSON.stringify(record));
}

/**
 * Attack 2: a restore that never was, written straight into KV in its TRUNCATE phase — structurally perfect:
 * every node named with the digest of the request it is sent, INIT results naming `tables` — and a TRUNCATE
 * command to every node. A node obeying it would truncate `tables` (cluster-wide).
 */
export async function forgeRestoreTruncate(
  nc: NatsConnection,
  targets: NodeTarget[],
  keyspace: string,
  tables: string[],
): Promise<{ operationId: string }> {
  const operationId = randomUUID();
  const now = new Date().toISOString();
  const request = {
    type: 'restore',
    storageLocation: 'file:///nowhere/bucket',
    snapshotTag: 'forged',
    entities: keyspace,
    globalRequest: true,
  };
  const nodeRequest = (hostId: string) => ({ ...request, id: operationId, globalRequest: false, hostId });
  const init = Object.fromEntries(
    targets.map((t) => [
      t.hostId,
      {
        backupName: 'forged-1',
        sourceHostId: t.hostId,
        manifestKey: 'x',
        schemaVersion: 's',
        tables: tables.map((table) => ({ keyspace, source: table, target: table, bytes: 1 })),
      },
    ]),
  );
  const phaseResults = {
    INIT: init,
    DOWNLOAD: Object.fromEntries(targets.map((t) => [t.hostId, { staging: '/tmp/x', files: 0, fetchedBytes: 0 }])),
  };
  const context = { backupName: 'forged-1', leader: targets[0].hostId };
  const record: OperationRecord = {
    schemaVersion: SCHEMA_VERSION,
    id: operationId,
    type: 'restore',
    state: OperationState.RUNNING,
    progress: 0.5,
    creationTime: now,
    startTime: now,
    errors: [],
    request: request as unknown as OperationRecord['request'],
    phases: ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'],
    phase: 'TRUNCATE',
    context,
    phaseResults,
    nodes: Object.fromEntries(
      targets.map((t) => [
        t.hostId,
        {
          hostId: t.hostId,
          address: t.address,
          dc: t.dc,
          state: OperationState.PENDING,
          progress: 0,
          phase: 'TRUNCATE',
          requestDigest: requestDigest(nodeRequest(t.hostId)),
        },
      ]),
    ),
  };
  await writeRecord(nc, record);
  const js = jetstream(nc);
  for (const t of targets) {
    const command: NodeCommandMessage = {
      schemaVersion: SCHEMA_VERSION,
      kind: 'run',
      operationId,
      hostId: t.hostId,
      type: 'restore',
      request: nodeRequest(t.hostId),
      phase: 'TRUNCATE',
      context,
      phaseResults,
      issuedAt: now,
    };
    await publishJson(js, Subjects.commandsFor(t.hostId), command);
  }
  return { operationId };
}

/** Attack 3a: a command of an operation that does not exist (e.g. a backup to the attacker's own store). */
export async function commandWithoutOperation(
  nc: NatsConnection,
  target: NodeTarget,
  request: Record<string, unknown>,
  phase?: string,
): Promise<{ operationId: string }> {
  const operationId = randomUUID();
  const command: NodeCommandMessage = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'run',
    operationId,
    hostId: target.hostId,
    type: String(request.type),
    request: { ...request, id: operationId, globalRequest: false, hostId: target.hostId },
    ...(phase ? { phase, phaseResults: {} } : {}),
    issuedAt: new Date().toISOString(),
  };
  await publishJson(jetstream(nc), Subjects.commandsFor(target.hostId), command);
  return { operationId };
}

/**
 * Attack 3b: a command for a real, running operation, in its current phase, with the request changed as the
 * attacker likes (`change`: e.g. another storage location) — the record read from KV supplies the rest.
 */
export async function commandWithAlteredRequest(
  nc: NatsConnection,
  operationId: string,
  target: NodeTarget,
  change: Record<string, unknown>,
): Promise<void> {
  const stored = await readRecord(nc, operationId);
  if (!stored) throw new Error(`no record ${operationId} to attack`);
  const { record } = stored;
  const command: NodeCommandMessage = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'run',
    operationId,
    hostId: target.hostId,
    type: record.type,
    request: { ...record.request, id: operationId, globalRequest: false, hostId: target.hostId, ...change },
    ...(record.phase ? { phase: record.phase, phaseResults: record.phaseResults ?? {} } : {}),
    ...(record.context ? { context: record.context } : {}),
    issuedAt: new Date().toISOString(),
  };
  await publishJson(jetstream(nc), Subjects.commandsFor(target.hostId), command);
}

/** Attack 3c: a cancel of another client's running operation, sent straight to a node. */
export async function forgeCancel(nc: NatsConnection, operationId: string, target: NodeTarget, type: string): Promise<void> {
  const command: NodeCommandMessage = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'cancel',
    operationId,
    hostId: target.hostId,
    type,
    request: {},
    issuedAt: new Date().toISOString(),
  };
  await publishJson(jetstream(nc), Subjects.commandsFor(target.hostId), command);
}

function event(operationId: string, hostId: string, kind: NodeEventKind, phase: string | undefined, fields: Partial<NodeEventMessage>) {
  const message: NodeEventMessage = {
    schemaVersion: SCHEMA_VERSION,
    kind,
    operationId,
    hostId,
    progress: kind === 'completed' ? 1 : 0,
    at: new Date().toISOString(),
    ...(phase ? { phase } : {}),
    ...fields,
  };
  return message;
}

/**
 * Attack 4: a node's failure reported for it — on its own subject (what its agent publishes on), or with
 * `subjectOf` on another node's (a client allowed to publish as one node reporting for another).
 */
export async function forgeNodeFailure(
  nc: NatsConnection,
  operationId: string,
  victim: NodeTarget,
  phase: string | undefined,
  subjectOf: NodeTarget = victim,
): Promise<void> {
  const failed = event(operationId, victim.hostId, 'failed', phase, { message: 'forged failure' });
  await publishJson(jetstream(nc), Subjects.eventsFor(operationId, subjectOf.hostId), failed);
}

/**
 * Attack 5: every phase of a backup reported done by every node, results made up (marked `forged: true`), on
 * the nodes' own subjects: accepted, the backup would be COMPLETED with nothing committed.
 */
export async function forgeCompletion(nc: NatsConnection, operationId: string, targets: NodeTarget[], phases: string[]): Promise<void> {
  const js = jetstream(nc);
  for (const phase of phases) {
    for (const t of targets) {
      const result = {
        forged: true,
        backupName: 'forged',
        manifest: 'forged',
        totals: { files: 0, bytes: 0, uploadedFiles: 0, uploadedBytes: 0 },
      };
      await publishJson(js, Subjects.eventsFor(operationId, t.hostId), event(operationId, t.hostId, 'completed', phase, { result }));
    }
  }
}

/** Attack 6: a submission reusing an existing operation's id with another request (valid or not). */
export async function resubmitWithOtherRequest(nc: NatsConnection, operationId: string, request: Record<string, unknown>): Promise<void> {
  const message: SubmitOperationMessage = { schemaVersion: SCHEMA_VERSION, operationId, request, submittedAt: new Date().toISOString() };
  await publishJson(jetstream(nc), Subjects.submit, message);
}

/** A dead letter as operators see it: where the message was going and why it was refused. */
export interface DeadLetter {
  subject: string;
  reason: string;
}

/** The dead letters stored after sequence `afterSeq` of DAEDALUS_DLQ (0: all). */
export async function deadLettersSince(nc: NatsConnection, afterSeq = 0): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(Streams.deadLetters);
  const out: DeadLetter[] = [];
  for (let seq = Math.max(afterSeq + 1, info.state.first_seq); seq <= info.state.last_seq; seq++) {
    const stored = await jsm.streams.getMessage(Streams.deadLetters, { seq }).catch(() => null);
    if (!stored) continue;
    out.push({
      subject: stored.header?.get(DaedalusHeaders.deadLetterSubject) ?? '',
      reason: stored.header?.get(DaedalusHeaders.deadLetterReason) ?? '',
    });
  }
  return out;
}

/** The last sequence of DAEDALUS_DLQ now: pass it to `deadLettersSince` to see what an attack caused. */
export async function deadLetterMark(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(Streams.deadLetters)).state.last_seq;
}

/** What a client reading all traffic (attack 1) keeps: the signed commands and the sealed records announced. */
export interface Capture {
  commands: NodeCommandMessage[];
  records: OperationRecord[];
  stop(): void;
}

/**
 * Listens to every command (a JetStream publish reaches core subscribers of its subject too) and every record
 * announcement, as a client that may read all traffic can.
 */
export function captureTraffic(nc: NatsConnection): Capture {
  const commands: NodeCommandMessage[] = [];
  const records: OperationRecord[] = [];
  const bySubject = [
    nc.subscribe(Subjects.commandsAll, { callback: (_e, msg) => void commands.push(msg.json<NodeCommandMessage>()) }),
    nc.subscribe(Subjects.operationUpdatesAll, { callback: (_e, msg) => void records.push(msg.json<OperationRecord>()) }),
  ];
  return { commands, records, stop: () => bySubject.forEach((s) => s.unsubscribe()) };
}

/**
 * Attack 2, replayed: an earlier copy of a true record (sealed by a coordinator) written back into KV, and the
 * true, signed command of that moment published again — what would make a restore truncate a second time, or a
 * finished backup run again, if the agent trusted any sealed record.
 */
export async function replayRecordAndCommand(nc: NatsConnection, record: OperationRecord, command: NodeCommandMessage): Promise<void> {
  await writeRecord(nc, record);
  await publishJson(jetstream(nc), Subjects.commandsFor(command.hostId), command);
}
