import { Injectable, Logger } from '@nestjs/common';
import { HookCallOutcome } from '@daedalus/contracts';
import { Clock, errorMessage, PauseHook, retry } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';

export type HookAction = 'pause' | 'resume';

/**
 * Resume is retried more than pause: a pause that does not answer in time fails the backup before any snapshot
 * (nothing lost), while a resume that gives up leaves the application paused.
 */
export const HOOK_ATTEMPTS: Readonly<Record<HookAction, number>> = { pause: 2, resume: 5 };
const BACKOFF = { initialDelayMs: 200, maxDelayMs: 2_000, jitter: 0.2 };

/** A failure worth another attempt: the network, a timeout, a 5xx or 429; any other answer is final. */
class HookCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * The application's pause hooks over HTTP (the outside thing a consistent backup depends on): `POST` to the
 * hook's pause or resume URL with its bearer token and `{operationId, action}`, every call bounded by the
 * hook's `timeoutMs`, retried a bounded number of times. A hook answers with any 2xx. Messages name the hook
 * and what went wrong, never its token or URL (a URL's query may carry a key).
 */
@Injectable()
export class PauseHookClient {
  private readonly logger = new Logger(PauseHookClient.name);
  private readonly hooks: Map<string, PauseHook>;

  constructor(
    config: CoordinatorConfig,
    private readonly clock: Clock,
  ) {
    this.hooks = new Map(config.pauseHooks.map((hook) => [hook.name, hook]));
  }

  names(): string[] {
    return [...this.hooks.keys()];
  }

  /** How long one hook's resume may take at most, all attempts and waits included (a resume claim's lease). */
  resumeBudgetMs(): number {
    const longest = Math.max(0, ...[...this.hooks.values()].map((hook) => hook.timeoutMs));
    return HOOK_ATTEMPTS.resume * (longest + BACKOFF.maxDelayMs);
  }

  /** Calls one hook; never throws: the outcome says whether it acknowledged, and why not. */
  async call(name: string, action: HookAction, operationId: string): Promise<HookCallOutcome> {
    const hook = this.hooks.get(name);
    if (!hook) return { ok: false, error: `pause hook ${name} is not configured on this coordinator` };
    try {
      await retry(() => this.post(hook, action, operationId), {
        ...BACKOFF,
        attempts: HOOK_ATTEMPTS[action],
        retryIf: (error) => error instanceof HookCallError && error.retryable,
        onRetry: ({ attempt, error }) =>
          this.logger.warn(`${action} hook ${name} (attempt ${attempt}): ${errorMessage(error)}; trying again`),
      });
      return { ok: true, at: this.clock.now().toISOString() };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  }

  private async post(hook: PauseHook, action: HookAction, operationId: string): Promise<void> {
    const url = action === 'pause' ? hook.pauseUrl : hook.resumeUrl;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      // which coordinator process called: an operator (or a test) can tell who holds the pause
      'user-agent': `daedalus-coordinator (pid ${process.pid})`,
    };
    if (hook.token) headers.authorization = `Bearer ${hook.token.reveal()}`;
    const signal = AbortSignal.timeout(hook.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ operationId, action }), redirect: 'error', signal });
    } catch (error) {
      // the signal says whether the time ran out (the error's class differs between realms, its message is empty)
      if (signal.aborted) throw new HookCallError(`${action} hook ${hook.name} did not answer within ${hook.timeoutMs} ms`, true);
      throw new HookCallError(`${action} hook ${hook.name} could not be reached (${describe(error)})`, true);
    }
    // the answer's body is not needed; it is discarded so the connection is freed
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    const retryable = response.status >= 500 || response.status === 429;
    throw new HookCallError(`${action} hook ${hook.name} answered HTTP ${response.status}`, retryable);
  }
}

/** A fetch failure as text: its message and its cause's (undici puts the network reason there). */
function describe(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const causeText = cause === undefined ? '' : `: ${errorMessage(cause)}`;
  return `${errorMessage(error)}${causeText}`;
}
