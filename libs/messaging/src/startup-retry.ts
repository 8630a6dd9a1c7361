import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';

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
export async function retryDuringStartup<T>(what: string, step: () => Promise<T>, options: StartupRetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!(options.isTransient ?? isTransientJetStreamError)(error) || now() + delay > deadline) throw error;
      options.onRetry?.(
        `${what}: attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
      );
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000);
    }
  }
}
