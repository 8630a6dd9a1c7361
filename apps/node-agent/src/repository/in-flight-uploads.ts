import { Injectable } from '@nestjs/common';

/**
 * Two overlapping backups of a node share SSTables: the second waits for the first's upload of an object
 * instead of uploading it again at the same time.
 */
@Injectable()
export class InFlightUploads {
  private readonly running = new Map<string, Promise<unknown>>();

  run<T>(id: string, upload: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.running.get(id) as Promise<T> | undefined;
    if (existing) return { promise: existing, shared: true };
    const promise = upload().finally(() => this.running.delete(id));
    this.running.set(id, promise);
    return { promise, shared: false };
  }
}
