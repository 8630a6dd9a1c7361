import type { NextFunction, Request, Response } from 'express';

function unsupported(response: Response, field: string, message: string): void {
  response.status(415).json({ statusCode: 415, error: 'Unsupported Media Type', message, errors: [{ field, message }] });
}

function carriesBody(request: Request): boolean {
  const length = Number(request.headers['content-length'] ?? 0);
  return request.headers['transfer-encoding'] !== undefined || (Number.isFinite(length) && length > 0);
}

/**
 * Runs before the JSON body parser. Icarus clients send plain `application/json`; a compressed body
 * (`Content-Encoding: gzip|deflate`) would need a decompression bound of its own (a small gzip can inflate
 * to gigabytes), so it is refused with 415 naming Content-Encoding, as is a body of any other media type
 * (naming Content-Type) — rather than being read as "no body".
 */
export function refuseUnreadableBodies(request: Request, response: Response, next: NextFunction): void {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    unsupported(response, 'Content-Encoding', 'Content-Encoding is not supported: send the body uncompressed (identity)');
    return;
  }
  if (carriesBody(request) && !request.is(['application/json', 'application/*+json'])) {
    unsupported(response, 'Content-Type', 'Content-Type must be application/json');
    return;
  }
  next();
}
