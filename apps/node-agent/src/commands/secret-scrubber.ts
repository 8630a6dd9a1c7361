import { Injectable } from '@nestjs/common';
import { REDACTED } from '@daedalus/contracts';

/** How many opened secrets are remembered (the most recent; one operation brings at most three). */
const REMEMBERED = 256;
/** Shorter values are not scrubbed: replacing every "ab" would garble messages, and no message of ours holds one. */
const MIN_LENGTH = 4;

/**
 * The secrets this agent opened lately. What the agent publishes (event messages and results) and logs passes
 * through `scrub`, so a secret a storage SDK or a proxy quotes in an error (an S3 error naming the KMS key, a
 * proxy URL with its password) reaches neither the record nor the log. Bounded: the oldest are forgotten.
 */
@Injectable()
export class SecretScrubber {
  private readonly values = new Set<string>();

  remember(secrets: readonly string[]): void {
    for (const secret of secrets) {
      if (secret.length < MIN_LENGTH) continue;
      this.values.delete(secret);
      this.values.add(secret);
      // a JSON text holds the secret escaped: scrub that form too
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) this.values.add(escaped);
    }
    while (this.values.size > REMEMBERED) this.values.delete(this.values.values().next().value as string);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Any JSON value with every remembered secret replaced (unchanged, same object, when it holds none). */
  scrubValue<T>(value: T): T {
    if (value === undefined || this.values.size === 0) return value;
    const text = JSON.stringify(value);
    if (text === undefined) return value;
    const scrubbed = this.scrub(text);
    return scrubbed === text ? value : (JSON.parse(scrubbed) as T);
  }
}
