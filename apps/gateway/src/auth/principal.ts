import type { Request } from 'express';
import { Role } from './roles';

/** How a caller proved who it is. */
export type AuthMethod = 'token' | 'mtls' | 'jwt' | 'anonymous';

/** Who sent a request: a name (token entry, certificate CN, JWT subject) and the role it holds. */
export interface Principal {
  method: AuthMethod;
  name: string;
  role: Role;
}

/**
 * How a principal is named in logs and in an operation's `submittedBy`: `token:ci-bot`, `mtls:backup-host`,
 * `jwt:alice`, or `anonymous`. Never anything secret: a token's entry name, never the token.
 */
export function principalId(principal: Principal): string {
  return principal.method === 'anonymous' ? 'anonymous' : `${principal.method}:${principal.name}`;
}

/** A name taken from a certificate or a JWT, safe to log and store: printable, at most 128 characters. */
export function safeName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 128);
}

/** A request once authenticateRequests found who sent it (public paths have no principal). */
export type AuthenticatedRequest = Request & { principal?: Principal };
