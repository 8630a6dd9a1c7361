import { Inject, Injectable } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { KV, Kvm, KvWatchEntry, KvWatchInclude } from '@nats-io/kv';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, OperationRecord } from '@daedalus/contracts';
import { NATS_CONNECTION, OperationStore } from '@daedalus/messaging';

/** One stored revision of an operation record, or its deletion. */
export interface RecordRevision {
  id: string;
  revision: number;
  /** absent when the entry deletes the record, or is not JSON */
  record?: OperationRecord;
  /** the entry holds something that is not JSON (not written by a Daedalus service) */
  unreadable?: boolean;
}

/** A running watch: its revisions in stream order, and how to stop it (idempotent). */
export interface RevisionFeed {
  revisions: AsyncIterable<RecordRevision>;
  stop(): void;
}

/** What the KV bucket holds of one record's history: how many revisions, and the most it keeps. */
export interface KeptHistory {
  stored: number;
  limit: number;
}

/**
 * The KV watch of the operations bucket (`daedalus-operations`), behind the few questions the event streams ask.
 * A watch is an ordered consumer on the bucket's stream: every revision in the order it was written, also those
 * written while the watch was being set up, never the best-effort announcements on `daedalus.operations.<id>`.
 */
@Injectable()
export class RecordWatch {
  private bucket?: Promise<KV>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    // depended on so that the buckets exist (the NATS module creates them) before the first watch opens one
    _store: OperationStore,
  ) {}

  private kv(): Promise<KV> {
    this.bucket ??= new Kvm(this.nc).open(Buckets.operations).catch((error: unknown) => {
      this.bucket = undefined;
      throw error;
    });
    return this.bucket;
  }

  /** The record as stored now, with its revision; undefined when it does not exist. */
  async current(id: string): Promise<RecordRevision | undefined> {
    const entry = await (await this.kv()).get(id);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return { id, revision: entry.revision, record: entry.json<OperationRecord>() };
  }

  /** Every revision of one record still kept (oldest first), then each new one as it is written. */
  async ofRecord(id: string): Promise<RevisionFeed> {
    return this.feed(await (await this.kv()).watch({ key: id, include: KvWatchInclude.AllHistory }));
  }

  /**
   * Every record's revisions: those written after `afterRevision` (every one the bucket still keeps, from the
   * stream sequence after it), or without it only those written from now on. Deletions are left out.
   */
  async ofAll(afterRevision?: number): Promise<RevisionFeed> {
    const kv = await this.kv();
    const iterator =
      afterRevision === undefined
        ? await kv.watch({ include: KvWatchInclude.UpdatesOnly, ignoreDeletes: true })
        : await kv.watch({ include: KvWatchInclude.AllHistory, resumeFromRevision: afterRevision + 1, ignoreDeletes: true });
    return this.feed(iterator);
  }

  /** How many revisions of `id` the bucket holds and the most it keeps per key (one stream-info request). */
  async keptHistory(id: string): Promise<KeptHistory> {
    const jsm = await jetstreamManager(this.nc);
    const subject = `$KV.${Buckets.operations}.${id}`;
    const info = await jsm.streams.info(`KV_${Buckets.operations}`, { subjects_filter: subject });
    return { stored: info.state.subjects?.[subject] ?? 0, limit: info.config.max_msgs_per_subject };
  }

  private feed(iterator: AsyncIterable<KvWatchEntry> & { stop(): void }): RevisionFeed {
    let stopped = false;
    return {
      revisions: revisionsOf(iterator),
      stop: () => {
        if (stopped) return;
        stopped = true;
        iterator.stop();
      },
    };
  }
}

async function* revisionsOf(entries: AsyncIterable<KvWatchEntry>): AsyncIterable<RecordRevision> {
  for await (const entry of entries) {
    const base = { id: entry.key, revision: entry.revision };
    if (entry.operation !== 'PUT' || entry.length === 0) yield base;
    else yield parsed(base, entry);
  }
}

function parsed(base: RecordRevision, entry: KvWatchEntry): RecordRevision {
  try {
    return { ...base, record: entry.json<OperationRecord>() };
  } catch {
    return { ...base, unreadable: true };
  }
}
