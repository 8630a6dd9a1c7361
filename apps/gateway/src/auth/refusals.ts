import { HttpException, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Refusal } from './authenticator';

/** A 401 or 403 in the API's error shape, naming what is missing. */
export function refusalBody(refusal: Refusal): Record<string, unknown> {
  const error = refusal.status === 401 ? 'Unauthorized' : 'Forbidden';
  return { statusCode: refusal.status, error, message: refusal.message, errors: [{ field: refusal.field, message: refusal.message }] };
}

export function refusalException(refusal: Refusal): HttpException {
  return new HttpException(refusalBody(refusal), refusal.status);
}

/** What a 401 offers the client (RFC 6750): `invalid_token` when wrong credentials were sent rather than none. */
export function challengeOf(refusal: Refusal): string {
  const base = 'Bearer realm="daedalus"';
  return refusal.invalid ? `${base}, error="invalid_token"` : base;
}

/** Sets the challenge of a 401 on the response. */
export function challenge(response: Pick<Response, 'setHeader'>, refusal: Refusal): void {
  if (refusal.status === 401) response.setHeader('WWW-Authenticate', challengeOf(refusal));
}

/** At most this many refusal lines per window: anyone can send bad credentials, the log must not grow with them. */
const LOG_LIMIT = 20;
const LOG_WINDOW_MS = 10_000;

/** Logs refusals (never the credentials), within a budget; the lines left out are counted in the next one. */
@Injectable()
export class RefusalLog {
  private readonly logger = new Logger('Auth');
  private window = { start: Number.NEGATIVE_INFINITY, count: 0, skipped: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  record(request: Pick<Request, 'method' | 'path' | 'ip'>, refusal: Refusal): void {
    const now = this.now();
    if (now - this.window.start >= LOG_WINDOW_MS) this.window = { start: now, count: 0, skipped: this.window.skipped };
    if (++this.window.count > LOG_LIMIT) {
      this.window.skipped += 1;
      return;
    }
    const skipped = this.window.skipped > 0 ? ` (${this.window.skipped} earlier refusals not logged)` : '';
    this.window.skipped = 0;
    this.logger.warn(
      `refused ${request.method} ${printable(request.path)} from ${request.ip ?? '?'}: ${refusal.status} ${refusal.message}${skipped}`,
    );
  }
}

/** A path as logs may show it: no control characters (log forging), at most 200 characters. */
export function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
