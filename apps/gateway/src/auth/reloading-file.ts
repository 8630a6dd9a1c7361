import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '@daedalus/common';

/** The file's content as parsed, or why it could not be (the reason never quotes the file: it may hold a secret). */
export type Loaded<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A small configuration file that an operator edits while the gateway runs (the API tokens, the certificate
 * roles, a JWKS). Each `current()` looks at the file's modification time at most once per `checkEveryMs`, and
 * parses it again only when it changed. A file that became unreadable or invalid is not silently replaced by the
 * last good one: `current()` says it is invalid, so that a revocation never fails open.
 */
export class ReloadingFile<T> {
  private loaded: Loaded<T>;
  private stamp: string;
  private checkedAt: number;
  private checking?: Promise<void>;

  /** Reads the file now: at startup, a file that cannot be read or parsed is an error (thrown). */
  constructor(
    readonly path: string,
    private readonly parse: (text: string) => T,
    private readonly onChange: (loaded: Loaded<T>) => void = () => undefined,
    private readonly checkEveryMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    this.stamp = stampOf(statSync(path));
    this.loaded = { ok: true, value: parse(readFileSync(path, 'utf8')) };
    this.checkedAt = now();
  }

  async current(): Promise<Loaded<T>> {
    if (this.now() - this.checkedAt >= this.checkEveryMs) {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
      await this.checking;
    }
    return this.loaded;
  }

  private async check(): Promise<void> {
    this.checkedAt = this.now();
    let stamp: string;
    try {
      stamp = stampOf(await stat(this.path));
    } catch (error) {
      return this.update('missing', { ok: false, reason: `${this.path} cannot be read: ${errorMessage(error)}` });
    }
    if (stamp === this.stamp) return;
    try {
      this.update(stamp, { ok: true, value: this.parse(await readFile(this.path, 'utf8')) });
    } catch (error) {
      this.update(stamp, { ok: false, reason: `${this.path} is invalid: ${errorMessage(error)}` });
    }
  }

  private update(stamp: string, loaded: Loaded<T>): void {
    const changed = stamp !== this.stamp;
    this.stamp = stamp;
    this.loaded = loaded;
    if (changed) this.onChange(loaded);
  }
}

function stampOf(s: { mtimeMs: number; size: number; ino: number }): string {
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}
