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

interface Waiting<T> {
  mutation: Mutation<T>;
  resolve: (outcome: GroupedOutcome<T> | undefined) => void;
  reject: (error: unknown) => void;
}

/** Writes one combined mutation by compare-and-set; resolves to the value stored, undefined when the key is absent. */
export type GroupWrite<T> = (key: string, mutation: Mutation<T>) => Promise<T | undefined>;

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
export class GroupedMutations<T> {
  private readonly waiting = new Map<string, Array<Waiting<T>>>();

  constructor(
    private readonly write: GroupWrite<T>,
    /** at most this many mutations in one write (bounds the time one compare-and-set attempt takes) */
    private readonly maxGroup = 256,
  ) {}

  mutate(key: string, mutation: Mutation<T>): Promise<GroupedOutcome<T> | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ mutation, resolve, reject });
        return;
      }
      this.waiting.set(key, [{ mutation, resolve, reject }]);
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

  private async writeGroup(key: string, group: Array<Waiting<T>>): Promise<void> {
    let outcomes: Array<{ value: T } | { error: unknown }> = [];
    const combined: Mutation<T> = (current: T, at: MutationPoint) => {
      outcomes = [];
      let value = current;
      let changed = false;
      for (const { mutation } of group) {
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
      return changed ? value : undefined;
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
