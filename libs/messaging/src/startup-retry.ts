import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import { errorMessage, retry } from '@daedalus/common';

/**
 * Errors a JetStream set-up call gets while the server or cluster is still coming up: the request timed out
 * or nobody answered (meta leader not elected yet), JetStream said it is temporarily unavailable or not
 * enabled yet, or the cluster has not seen enough peers yet to place a replicated stream. Anything else (a bad configuration,
 * a permission problem) is permanent and surfaces at once.
 */
export function isTransientJetStreamError(error: unknown): boolean {
  if (error instanceof errors.TimeoutError || error instanceof errors.NoRespondersError) return true;
  if (error instanceof errors.RequestError) return isTransientJetStreamError(error.cause);
  // A server that has not finished joining its JetStream cluster answers "jetstream is not enabled" for a
  // while. (On a server without JetStream at all it is permanent; the start-up bound then ends the wait.)
  if (error instanceof Error && error.name === 'JetStreamNotEnabled') return true;
  if (error instanceof JetStreamApiError) {
    return error.status === 503 || /temporarily unavailable|no suitable peers|insufficient resources|leader/i.test(error.message);
  }
  return false;
}

export interface StartupRetryOptions {
  /** give up (rethrowing the last error) once this much time passed */
  timeoutMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** told about each transient failure, for the log */
  onRetry?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** which failures are worth waiting out (default: transient JetStream errors) */
  isTransient?: (error: unknown) => boolean;
  now?: () => number;
}

/**
 * Runs a start-up step (create streams, buckets, consumers) until it succeeds, retrying transient JetStream
 * errors with capped exponential backoff for at most `timeoutMs`: services and a fresh JetStream cluster may
 * start in any order, and a cluster needs a few seconds to elect its meta leader.
 */
export function retryDuringStartup<T>(what: string, step: () => Promise<T>, options: StartupRetryOptions): Promise<T> {
  return retry(step, {
    deadlineMs: options.timeoutMs,
    initialDelayMs: options.initialDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    retryIf: options.isTransient ?? isTransientJetStreamError,
    onRetry: ({ attempt, error, delayMs }) =>
      options.onRetry?.(`${what}: attempt ${attempt} failed (${errorMessage(error)}); retrying in ${delayMs} ms`),
    now: options.now,
    sleep: options.sleep,
  });
}
