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
