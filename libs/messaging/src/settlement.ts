import { errorMessage } from '@daedalus/common';
import { FatalError, RetryableError } from './errors';

/**
 * The one place that decides what happens to a JetStream message after its handler ran.
 * - success → ack
 * - RetryableError (or an unexpected error) → nak with exponential backoff, until `maxAttempts`
 * - FatalError, or attempts exhausted → dead-letter (with the reason) and terminate
 */
export interface SettlementPolicy {
  /** deliveries after which a message is dead-lettered instead of retried */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_SETTLEMENT_POLICY: SettlementPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

export type Settlement =
  { action: 'ack' } | { action: 'retry'; delayMs: number; reason: string } | { action: 'dead-letter'; reason: string };

export function backoffDelay(attempt: number, policy: SettlementPolicy): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/** `attempt` is the message's delivery count (1 on first delivery). `error` undefined means success. */
export function decideSettlement(attempt: number, error: unknown, policy: SettlementPolicy): Settlement {
  if (error === undefined) return { action: 'ack' };
  const reason = errorMessage(error);
  if (error instanceof FatalError) return { action: 'dead-letter', reason };
  if (attempt >= policy.maxAttempts) {
    return { action: 'dead-letter', reason: `gave up after ${attempt} attempts: ${reason}` };
  }
  const label = error instanceof RetryableError ? reason : `unexpected error: ${reason}`;
  return { action: 'retry', delayMs: backoffDelay(attempt, policy), reason: label };
}

/** A delivery beyond the bound (e.g. handlers that crashed the process every time) is not run again. */
export function exceedsAttempts(attempt: number, policy: SettlementPolicy): boolean {
  return attempt > policy.maxAttempts;
}

/** Longest reason kept in a dead letter's header or a log line. */
export const MAX_REASON_LENGTH = 1000;

/**
 * A reason as it may go into a NATS header and a log line: control characters escaped (`\n` as `\u000a`), at
 * most MAX_REASON_LENGTH characters. Reasons quote what arrived (a JSON parser's error shows the body it choked
 * on): a line break would make the header unpublishable, so the message could never be dead-lettered, and
 * would let a producer forge log lines.
 */
export function printableReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = reason.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > MAX_REASON_LENGTH ? `${escaped.slice(0, MAX_REASON_LENGTH - 1)}…` : escaped;
}
