import { Injectable } from '@nestjs/common';

/** How many stored objects the agent remembers (oldest forgotten first): a few MB at most. */
const REMEMBERED_OBJECTS = 20_000;

/**
 * Two overlapping backups of a node share SSTables: the second waits for the first's upload of an object
 * instead of uploading it again at the same time. The objects this process stored are remembered too (bounded),
 * with their hash: a backup stopped before its manifest — paused at a maintenance window's end — finds them
 * again in its next round and does not upload them again, also on a store that keeps no hash of its own.
 */
@Injectable()
export class InFlightUploads {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly stored = new Map<string, unknown>();

  run<T>(id: string, upload: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.running.get(id) as Promise<T> | undefined;
    if (existing) return { promise: existing, shared: true };
    const promise = upload()
      .then((result) => this.remember(id, result))
      .finally(() => this.running.delete(id));
    this.running.set(id, promise);
    return { promise, shared: false };
  }

  /** What an earlier upload of `id` by this process stored (the caller checks the store still holds it). */
  storedEarlier<T>(id: string): T | undefined {
    return this.stored.get(id) as T | undefined;
  }

  private remember<T>(id: string, result: T): T {
    this.stored.delete(id);
    this.stored.set(id, result);
    if (this.stored.size > REMEMBERED_OBJECTS) this.stored.delete(this.stored.keys().next().value as string);
    return result;
  }
}
