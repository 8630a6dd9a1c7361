import { isSettled, isTerminal, NodeRegistration, OperationRecord } from '@daedalus/contracts';
import { Clock } from '@daedalus/common';
import { JsonStore, Mutation } from './json-kv';
import { RecordSealer, UntrustedRecordError } from './integrity/record-seal';

/** Marks an operation as not finished yet; the value is only for operators looking at the bucket. */
export interface ActiveMarker {
  since: string;
}

/**
 * Told of every record change this store wrote: `before` as read, `after` as written by the compare-and-set that
 * succeeded. Each change is written by exactly one writer, so counting state changes here counts each once,
 * however many coordinators race (metrics).
 */
export type TransitionListener = (before: OperationRecord, after: OperationRecord) => void;

/** A marker without its record is left alone this long: the record may be about to be created. */
const ORPHAN_MARKER_GRACE_MS = 60_000;

/**
 * Repository of operation records (KV `daedalus-operations`), plus the index of unfinished ones
 * (KV `daedalus-active-operations`): a marker is written before a record is created and removed once the
 * record is settled (terminal, and no application pause left open: `isSettled`), so `listActive` never misses
 * an operation that could still need sweeping.
 */
export class OperationStore {
  constructor(
    private readonly kv: JsonStore<OperationRecord>,
    private readonly active: JsonStore<ActiveMarker>,
    /** seals what this service writes and refuses to update records it must not trust (no key: trusts all) */
    private readonly sealer = new RecordSealer(),
  ) {}

  private readonly listeners: TransitionListener[] = [];

  /** Calls `listener` after each change this store writes (a listener that throws is ignored). */
  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  /** The record as stored, trusted or not (for showing it; services acting on one use `getTrusted`). */
  async get(id: string): Promise<OperationRecord | undefined> {
    return (await this.kv.get(id))?.value;
  }

  /** The record and, when it must not be acted on (a forged or replayed record), why. */
  async getTrusted(id: string): Promise<{ record?: OperationRecord; problem?: string }> {
    const entry = await this.kv.get(id);
    if (!entry) return {};
    const problem = this.sealer.problem(entry.value, entry.revision);
    return problem ? { record: entry.value, problem: `operation record ${id}: ${problem}` } : { record: entry.value };
  }

  /**
   * Writes the marker (unless one is there: the gateway's, when the coordinator creates the record it queued —
   * no second write) and then the record, if no record of that id exists. Returns false when one did.
   */
  async create(record: OperationRecord): Promise<boolean> {
    if (!isTerminal(record.state)) await this.active.create(record.id, { since: record.creationTime });
    return this.kv.create(record.id, record);
  }

  /** Compare-and-set update; resolves to the record as stored afterwards (undefined if it does not exist). */
  async mutate(id: string, mutation: Mutation<OperationRecord>): Promise<OperationRecord | undefined> {
    const change = new LastChange();
    const record = await this.kv.mutate(id, change.tracking(this.sealed(id, mutation)), { pinRevision: this.sealer.pinsRevision });
    this.tell(change);
    if (record && isSettled(record)) await this.retire(id);
    return record;
  }

  /**
   * A mutation that may take a finished record back to RUNNING (a resume). The marker is written before the
   * record leaves its terminal state and again after, so the sweeper sees the resumed operation however the
   * writes interleave with a concurrent clean-up (which re-checks the record after deleting, see `retire`).
   */
  async reopen(id: string, mutation: Mutation<OperationRecord>): Promise<OperationRecord | undefined> {
    await this.active.put(id, { since: new Date().toISOString() });
    const change = new LastChange();
    const record = await this.kv.mutate(id, change.tracking(this.sealed(id, mutation)), { pinRevision: this.sealer.pinsRevision });
    this.tell(change);
    if (record && !isTerminal(record.state)) await this.active.put(id, { since: record.resumedAt ?? record.creationTime });
    else await this.retire(id);
    return record;
  }

  /**
   * The mutation applied only to a record this service may trust (else `UntrustedRecordError`: the record stays
   * as it is), and its result sealed for the revision it will be written at.
   */
  private sealed(id: string, mutation: Mutation<OperationRecord>): Mutation<OperationRecord> {
    return (current, at) => {
      const problem = this.sealer.problem(current, at.revision);
      if (problem) throw new UntrustedRecordError(`operation record ${id}: ${problem}`);
      const next = mutation(current, at);
      return next === undefined ? undefined : this.sealer.seal(next, at.nextRevision);
    };
  }

  private tell(change: LastChange): void {
    const written = change.written;
    if (!written) return;
    for (const listener of this.listeners) {
      try {
        listener(written.before, written.after);
      } catch {
        // a listener (metrics) never fails the write it is told about
      }
    }
  }

  /**
   * Removes the marker of a finished record; puts it back if the record was resumed meanwhile. The marker is
   * erased with its history, not deleted: a delete marker would stay in the bucket for ever and `listActive`
   * would read it on every sweep, so idle cost would grow with every operation ever run.
   */
  private async retire(id: string): Promise<void> {
    await this.active.erase(id);
    const record = await this.get(id);
    if (record && !isSettled(record)) await this.active.put(id, { since: record.resumedAt ?? record.creationTime });
  }

  async list(): Promise<OperationRecord[]> {
    return (await this.kv.values()).map((entry) => entry.value);
  }

  /**
   * Records of the operations not finished yet (or finished with an application pause still to resume) (those
   * this service may trust). Markers left behind (a process died between finishing a record and removing its
   * marker, or before creating the record) are cleaned up here, and so are delete markers an earlier version
   * left (it deleted rather than erased): each is read once more and then gone. Every clean-up goes through
   * `retire`, which re-checks the record after erasing, so a resume racing with it keeps its marker.
   */
  async listActive(now: Date): Promise<OperationRecord[]> {
    const result: OperationRecord[] = [];
    for (const id of await this.active.keys()) {
      const marker = await this.active.get(id);
      const entry = await this.kv.get(id);
      const record = entry?.value;
      // a record this service must not act on (written by another client) is left alone, never swept
      if (entry && this.sealer.problem(entry.value, entry.revision)) continue;
      if (record && !isSettled(record)) result.push(record);
      else if (record || !marker) await this.retire(id);
      else if (now.getTime() - marker.storedAt.getTime() > ORPHAN_MARKER_GRACE_MS) await this.retire(id);
    }
    return result;
  }
}

/**
 * The last call of a compare-and-set mutation is the one whose result was written (earlier calls lost a
 * conflict and were retried on a fresh read); undefined when it changed nothing.
 */
class LastChange {
  written?: { before: OperationRecord; after: OperationRecord };

  tracking(mutation: Mutation<OperationRecord>): Mutation<OperationRecord> {
    return (current, at) => {
      this.written = undefined;
      const next = mutation(current, at);
      if (next !== undefined) this.written = { before: current, after: next };
      return next;
    };
  }
}

export interface RegisteredNodeView {
  registration: NodeRegistration;
  heartbeatAgeMs: number;
}

/** Repository of node registrations (KV `daedalus-nodes`), with heartbeat age by the server's clock. */
export class NodeRegistry {
  constructor(
    private readonly kv: JsonStore<NodeRegistration>,
    private readonly clock: Clock,
  ) {}

  async put(registration: NodeRegistration): Promise<void> {
    await this.kv.put(registration.hostId, registration);
  }

  async get(hostId: string): Promise<RegisteredNodeView | undefined> {
    const entry = await this.kv.get(hostId);
    if (!entry) return undefined;
    return { registration: entry.value, heartbeatAgeMs: this.clock.now().getTime() - entry.storedAt.getTime() };
  }

  async list(): Promise<RegisteredNodeView[]> {
    const now = this.clock.now().getTime();
    const entries = await this.kv.values();
    return entries.map((entry) => ({ registration: entry.value, heartbeatAgeMs: now - entry.storedAt.getTime() }));
  }

  async remove(hostId: string): Promise<void> {
    await this.kv.delete(hostId);
  }
}
