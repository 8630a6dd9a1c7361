import { Injectable } from '@nestjs/common';

/** How long one delivery attempt may take, connection included. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export class WebhookRefusedError extends Error {}

/** The outside call: one HTTP POST, bounded by a timeout; anything but a 2xx is an error saying what came back. */
@Injectable()
export class WebhookClient {
  async post(url: string, body: string, headers: Record<string, string>, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      // never the URL (a Slack webhook URL is itself a secret): what went wrong on the way
      const inner = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
      const cause =
        error instanceof Error
          ? error.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (inner ?? error.message)
          : String(error);
      throw new WebhookRefusedError(`POST failed: ${cause}`);
    }
    // the answer's body is not read into memory beyond what is needed to free the connection
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new WebhookRefusedError(`the receiver answered HTTP ${response.status}`);
  }
}
