import {
  AckPolicy,
  ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, KV } from '@nats-io/kv';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, Consumers, Streams, Subjects } from '@daedalus/contracts';
import { nanos } from '@nats-io/transport-node';
import { ConfigSection, DAY_MS, HOUR_MS, IntRange, MINUTE_MS, Option } from '@daedalus/common';
import { SettlementPolicy } from './settlement';
import { isPermissionDenied, NotProvisionedError } from './permissions';

export interface TopologyOptions {
  replicas: number;
  /** JetStream de-duplication window for submit/command message ids */
  duplicateWindowMs: number;
  /** how long finished operation records stay queryable */
  operationRetentionMs: number;
  /** how long a dead-lettered message is kept */
  deadLetterRetentionMs: number;
  /** the most the dead-letter stream holds; past it the oldest letters go (a flood of junk cannot fill the disk) */
  deadLetterMaxBytes: number;
}

export const DEFAULT_TOPOLOGY: TopologyOptions = {
  replicas: 1,
  duplicateWindowMs: 10 * 60_000,
  operationRetentionMs: 7 * 24 * 3600_000,
  deadLetterRetentionMs: 30 * 24 * 3600_000,
  deadLetterMaxBytes: 1024 ** 3,
};

function streamConfigs(options: TopologyOptions): Array<Partial<StreamConfig> & { name: string }> {
  const base = {
    storage: StorageType.File,
    num_replicas: options.replicas,
    duplicate_window: nanos(options.duplicateWindowMs),
  };
  return [
    // Work queues: a message is removed once its (single) consumer acked it.
    // The request subjects one by one, not `requests.>`: a message on any other subject would find no consumer
    // and stay in the work queue for good. Published elsewhere, it is refused (no stream takes it).
    {
      ...base,
      name: Streams.requests,
      subjects: [Subjects.submit, Subjects.cancel, Subjects.resume, Subjects.alert],
      retention: RetentionPolicy.Workqueue,
    },
    { ...base, name: Streams.commands, subjects: [Subjects.commandsAll], retention: RetentionPolicy.Workqueue },
    { ...base, name: Streams.events, subjects: [Subjects.eventsAll], retention: RetentionPolicy.Workqueue },
    {
      ...base,
      name: Streams.deadLetters,
      subjects: [Subjects.deadLettersAll],
      retention: RetentionPolicy.Limits,
      max_age: nanos(options.deadLetterRetentionMs),
      max_bytes: options.deadLetterMaxBytes,
      discard: DiscardPolicy.Old,
    },
  ];
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && /not found/i.test(error.message);
}

/** Told what ensure* left as it found it (a least-privilege identity may not change it), for the log. */
export type TopologyNotice = (message: string) => void;

/** The settings of `wanted` whose value `actual` does not have (lists compared as sets). */
function differingSettings(wanted: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const same = (a: unknown, b: unknown): boolean =>
    Array.isArray(a) && Array.isArray(b) ? JSON.stringify([...a].sort()) === JSON.stringify([...b].sort()) : a === b;
  return Object.keys(wanted).filter((key) => !same(wanted[key], actual[key]));
}

/**
 * Creates the streams, or updates them when their configuration changed. Safe to run from every service. A
 * stream that is already as wanted is left alone, so an identity without the right to create or update streams
 * (deploy/nats: only coordinators may) starts as long as someone provisioned them: a stream it may not update is
 * kept as it is (`notice` says so), one it may not create is a NotProvisionedError.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  options: TopologyOptions,
  notice: TopologyNotice = () => undefined,
): Promise<void> {
  for (const config of streamConfigs(options)) {
    let existing: Record<string, unknown> | undefined;
    try {
      existing = (await jsm.streams.info(config.name)).config as unknown as Record<string, unknown>;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (existing) {
      const differing = differingSettings(config, existing);
      if (differing.length > 0)
        await updateUnlessForbidden(() => jsm.streams.update(config.name, config), `stream ${config.name}`, differing, notice);
      continue;
    }
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another service created it in the meantime: fine. nats-server 2.9 may say so as "stream name already
      // in use" or, when the two adds race, "subjects overlap with an existing stream": the stream being there
      // now is what counts.
      const refused = addError instanceof JetStreamApiError || isPermissionDenied(addError);
      if (refused && (await streamExists(jsm, config.name))) continue;
      if (isPermissionDenied(addError)) throw new NotProvisionedError(`stream ${config.name}`, { cause: addError });
      throw addError;
    }
  }
}

/** An update this identity may not make leaves the thing as it is, said once in the log; other errors fail. */
async function updateUnlessForbidden(
  update: () => Promise<unknown>,
  what: string,
  differing: string[],
  notice: TopologyNotice,
): Promise<void> {
  try {
    await update();
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
    notice(
      `${what} differs from this service's settings (${differing.join(', ')}) and this NATS identity may not update it: kept as it is`,
    );
  }
}

export interface DurableConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending?: number;
  /**
   * Consumers of the same stream this one takes over from (an older version's), deleted before it is created:
   * a work-queue stream refuses two consumers whose filters overlap. Their unacknowledged messages stay in the
   * stream and go to this consumer.
   */
  replaces?: string[];
}

/**
 * Messages one consumer may have delivered and not yet settled, across every process reading it. Bounded, so
 * one consumer cannot hold the server's memory; large enough that messages waiting out a retry's backoff (they
 * keep their slot until redelivered) do not shut out new work. Junk never keeps one: it is settled at once.
 */
export const DEFAULT_MAX_ACK_PENDING = 256;

/** The settings ensureConsumer keeps up to date on a consumer that exists already (e.g. from an older version). */
export type UpdatableConsumerConfig = Pick<ConsumerConfig, 'ack_wait' | 'max_deliver' | 'max_ack_pending'>;

/**
 * Deliveries the server makes of one message: the settlement policy's attempts, and one more. A handler that
 * fails on the last attempt is dead-lettered by the runner; the extra delivery exists for the message whose
 * handling killed the process every time (no settlement ran), which the runner then dead-letters unseen. Past
 * this the server itself stops: redelivery is bounded even when the runner cannot settle at all.
 */
export function maxDeliveries(policy: Pick<SettlementPolicy, 'maxAttempts'>): number {
  return policy.maxAttempts + 1;
}

export function consumerConfig(
  spec: DurableConsumerSpec,
  policy: Pick<SettlementPolicy, 'maxAttempts'>,
): Partial<ConsumerConfig> & UpdatableConsumerConfig {
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: maxDeliveries(policy),
    max_ack_pending: spec.maxAckPending ?? DEFAULT_MAX_ACK_PENDING,
  };
}

/**
 * Creates a durable pull consumer, or brings an existing one's ack wait, delivery bound and pending bound up to
 * date (a consumer an older version created kept `max_deliver: -1`: unbounded redelivery). nats-server 2.9 and
 * later allow these three to change on a live consumer.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  spec: DurableConsumerSpec,
  policy: Pick<SettlementPolicy, 'maxAttempts'>,
  notice: TopologyNotice = () => undefined,
): Promise<void> {
  const config = consumerConfig(spec, policy);
  for (const retired of spec.replaces ?? []) await deleteConsumerIfPresent(jsm, spec.stream, retired);
  let existing: Record<string, unknown> | undefined;
  try {
    existing = (await jsm.consumers.info(spec.stream, spec.durable)).config as unknown as Record<string, unknown>;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (existing) {
    const updatable: UpdatableConsumerConfig = {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
      max_deliver: config.max_deliver,
    };
    const differing = differingSettings(updatable, existing);
    if (differing.length > 0) {
      await updateUnlessForbidden(
        () => jsm.consumers.update(spec.stream, spec.durable, updatable),
        `consumer ${spec.durable}`,
        differing,
        notice,
      );
    }
    return;
  }
  try {
    await jsm.consumers.add(spec.stream, config);
  } catch (error) {
    if (isPermissionDenied(error)) throw new NotProvisionedError(`consumer ${spec.durable} of ${spec.stream}`, { cause: error });
    throw error;
  }
}

async function deleteConsumerIfPresent(jsm: JetStreamManager, stream: string, durable: string): Promise<void> {
  try {
    await jsm.consumers.delete(stream, durable);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export function coordinatorConsumers(ackWaitMs: number): DurableConsumerSpec[] {
  const request = (durable: string, filterSubject: string): DurableConsumerSpec => ({
    stream: Streams.requests,
    durable,
    filterSubject,
    ackWaitMs,
    replaces: [Consumers.retiredCoordinatorRequests],
  });
  return [
    request(Consumers.coordinatorSubmits, Subjects.submit),
    request(Consumers.coordinatorCancels, Subjects.cancel),
    request(Consumers.coordinatorResumes, Subjects.resume),
    request(Consumers.coordinatorAlerts, Subjects.alert),
    { stream: Streams.events, durable: Consumers.coordinatorEvents, filterSubject: Subjects.eventsAll, ackWaitMs },
  ];
}

export function agentConsumer(hostId: string, ackWaitMs: number): DurableConsumerSpec {
  return {
    stream: Streams.commands,
    durable: Consumers.agentCommands(hostId),
    filterSubject: Subjects.commandsFor(hostId),
    ackWaitMs,
  };
}

/**
 * Revisions kept per operation record (the KV maximum): what `GET /operations/{id}/events` can replay to a client
 * that reconnects. A bucket created before keeps its own setting (1): the replay then starts at the latest.
 */
export const OPERATION_RECORD_HISTORY = 64;

export interface Stores {
  operations: KV;
  activeOperations: KV;
  nodes: KV;
  /** lists the buckets' keys (see bucketKeys) */
  jsm: JetStreamManager;
}

/**
 * Opens (creating when missing) the KV buckets. Finished operations expire with the bucket's max age;
 * a record that is still being updated never does, because every update rewrites it.
 */
export async function ensureBuckets(nc: NatsConnection, options: TopologyOptions): Promise<Stores> {
  const kvm = new Kvm(nc);
  // Every read goes to the bucket's stream leader. With direct gets (the client's default) any replica of a
  // JetStream cluster answers a get, also a follower that has not applied the latest write yet: a coordinator
  // or agent then decides on a stale record ("that phase is over", "that event is old"), settles the message
  // and the operation stalls for good. Leader reads see every write that was acknowledged before them.
  const leaderReads = { replicas: options.replicas, history: 1, allow_direct: false };
  // The client creates a missing bucket and only reads an existing one's settings: an identity that may not
  // create streams opens buckets someone else provisioned.
  const open = async (bucket: string, settings: typeof leaderReads & { ttl?: number }): Promise<KV> => {
    try {
      return await kvm.create(bucket, settings);
    } catch (error) {
      if (isPermissionDenied(error)) throw new NotProvisionedError(`KV bucket ${bucket}`, { cause: error });
      throw error;
    }
  };
  // the operations bucket keeps the last OPERATION_RECORD_HISTORY revisions of each record, so a client of the
  // gateway's event stream that reconnects (Last-Event-ID) is replayed the revisions it missed
  const operations = await open(Buckets.operations, {
    ...leaderReads,
    history: OPERATION_RECORD_HISTORY,
    ttl: options.operationRetentionMs,
  });
  const activeOperations = await open(Buckets.activeOperations, leaderReads);
  const nodes = await open(Buckets.nodes, leaderReads);
  return { operations, activeOperations, nodes, jsm: await jetstreamManager(nc) };
}

/** The stream and bucket settings; every service creates what it needs, so all must be given the same values. */
@ConfigSection({ title: 'Streams and buckets', note: 'give every service the same values' })
export class TopologySettings {
  @Option({
    flag: 'duplicate-window-ms',
    description: 'how long each stream drops a repeated Nats-Msg-Id (a re-sent submit, command or event)',
    default: DEFAULT_TOPOLOGY.duplicateWindowMs,
    unit: 'ms',
  })
  @IntRange(1_000, DAY_MS, 'a whole number of milliseconds')
  readonly duplicateWindowMs!: number;

  @Option({
    flag: 'operation-retention-ms',
    description: "how long a finished operation stays queryable (the operations bucket's max age)",
    default: DEFAULT_TOPOLOGY.operationRetentionMs,
    unit: 'ms',
  })
  @IntRange(MINUTE_MS, 365 * DAY_MS, 'a whole number of milliseconds')
  readonly operationRetentionMs!: number;

  @Option({
    flag: 'dead-letter-retention-ms',
    description: 'how long a dead-lettered message is kept in DAEDALUS_DLQ',
    default: DEFAULT_TOPOLOGY.deadLetterRetentionMs,
    unit: 'ms',
  })
  @IntRange(HOUR_MS, 365 * DAY_MS, 'a whole number of milliseconds')
  readonly deadLetterRetentionMs!: number;

  @Option({
    flag: 'dead-letter-max-bytes',
    description: 'the most DAEDALUS_DLQ holds; past it the oldest dead letters are dropped, so a flood of junk cannot fill the disk',
    default: DEFAULT_TOPOLOGY.deadLetterMaxBytes,
    unit: 'bytes',
  })
  @IntRange(1024 ** 2, 1024 ** 4, 'a whole number of bytes')
  readonly deadLetterMaxBytes!: number;

  toTopology(replicas: number): TopologyOptions {
    const { duplicateWindowMs, operationRetentionMs, deadLetterRetentionMs, deadLetterMaxBytes } = this;
    return { replicas, duplicateWindowMs, operationRetentionMs, deadLetterRetentionMs, deadLetterMaxBytes };
  }
}
