import type { Mutation, MutationPoint } from './json-kv';

/** What one grouped mutation led to. */
export interface GroupedOutcome<T> {
  /** the value right after this mutation, as if the group's mutations had been written one after the other */
  value: T;
  /** the value the group's one write stored (or the value read, when no mutation of the group changed it) */
  stored: T;
  /** the group's last mutation that did not throw: one caller per write sees it (e.g. to announce `stored` once) */
  last: boolean;
}

interface Waiting<T, I> {
  input: I;
  resolve: (outcome: GroupedOutcome<T> | undefined) => void;
  reject: (error: unknown) => void;
}

/** Writes one combined mutation by compare-and-set; resolves to the value stored, undefined when the key is absent. */
export type GroupWrite<T> = (key: string, mutation: Mutation<T>) => Promise<T | undefined>;

/** Each input's outcome: the value right after it, or the error it alone is refused with. */
export type InputOutcome<T> = { value: T } | { error: unknown };

/**
 * Applies a group's inputs, in order, to the value read: the new value (undefined: nothing changed) and each
 * input's outcome. Must be pure and give the same result as applying the inputs one after the other (it is
 * called again on a fresh read after a conflict).
 */
export type GroupFold<T, I> = (current: T, inputs: I[], at: MutationPoint) => { value: T | undefined; outcomes: Array<InputOutcome<T>> };

/** The fold of plain mutations: each applied to the previous one's result; one that throws changes nothing. */
export function sequentialFold<T>(current: T, mutations: Array<Mutation<T>>, at: MutationPoint): ReturnType<GroupFold<T, Mutation<T>>> {
  const outcomes: Array<InputOutcome<T>> = [];
  let value = current;
  let changed = false;
  for (const mutation of mutations) {
    try {
      const next = mutation(value, at);
      if (next !== undefined) {
        value = next;
        changed = true;
      }
      outcomes.push({ value });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { value: changed ? value : undefined, outcomes };
}

/**
 * Group commit of concurrent compare-and-set mutations of one key in this process. The first mutation of a key
 * is written at once; those that arrive while a write of that key is in flight wait, and are then applied
 * together, in arrival order, each to the previous one's result, and written in ONE compare-and-set. A mutation
 * that returns undefined or throws changes nothing and the others go on (its caller alone gets the error). On a
 * conflict (another process wrote the key) the whole group is applied again to a fresh read, as a single
 * mutation would be. Each caller's promise settles only once the write that includes its mutation landed, so a
 * message handler acks only what is stored.
 *
 * Why: N concurrent events of one operation each rewrote the whole record (N compare-and-set writes of a record
 * that itself grows with N, most of them retried after conflicts with each other); grouped, a busy operation is
 * written about once per round trip to the server, whatever N is.
 */
export class GroupedMutations<T, I = Mutation<T>> {
  private readonly waiting = new Map<string, Array<Waiting<T, I>>>();

  constructor(
    private readonly write: GroupWrite<T>,
    /** how a group's inputs are applied (default: inputs are mutations, applied one after the other) */
    private readonly fold: GroupFold<T, I> = sequentialFold as unknown as GroupFold<T, I>,
    /** at most this many inputs in one write (bounds the time one compare-and-set attempt takes) */
    private readonly maxGroup = 256,
  ) {}

  mutate(key: string, input: I): Promise<GroupedOutcome<T> | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      this.waiting.set(key, [{ input, resolve, reject }]);
      void this.drain(key);
    });
  }

  /** Writes the key's waiting mutations, a group at a time, until none is left. */
  private async drain(key: string): Promise<void> {
    for (;;) {
      const queue = this.waiting.get(key) ?? [];
      const group = queue.splice(0, this.maxGroup);
      if (group.length === 0) {
        this.waiting.delete(key);
        return;
      }
      await this.writeGroup(key, group);
    }
  }

  private async writeGroup(key: string, group: Array<Waiting<T, I>>): Promise<void> {
    let outcomes: Array<InputOutcome<T>> = [];
    const inputs = group.map((waiting) => waiting.input);
    const combined: Mutation<T> = (current: T, at: MutationPoint) => {
      const folded = this.fold(current, inputs, at);
      outcomes = folded.outcomes;
      return folded.value;
    };
    let stored: T | undefined;
    try {
      stored = await this.write(key, combined);
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    const last = outcomes.map((outcome) => !('error' in outcome)).lastIndexOf(true);
    group.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (stored === undefined) waiting.resolve(undefined);
      else if ('error' in outcome) waiting.reject(outcome.error);
      else waiting.resolve({ value: outcome.value, stored, last: i === last });
    });
  }
}
