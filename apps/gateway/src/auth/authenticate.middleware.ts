import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { withLogContext } from '@daedalus/common';
import { operationLogContext } from '../http/operation-log-context';
import { Authenticator } from './authenticator';
import { credentialsOf } from './credentials';
import { AuthenticatedRequest, Principal, principalId } from './principal';
import { challenge, printable, RefusalLog, refusalBody } from './refusals';

/**
 * The paths anyone may call: what a load balancer or kubelet probes. Their controllers say `@RouteAccess('public')` too.
 * (The dashboard's static files, GET /ui…, are answered before this middleware: ui/dashboard.ts.)
 */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/healthz']);

/**
 * Who sent the request, decided before anything else reads it: an unauthenticated client never gets its body
 * parsed, never learns which paths exist, and gets a 401 (or a 403 for credentials that carry no role). The role
 * a route needs is checked later, by AuthGuard, which knows the route. Every request let through is logged when
 * answered, with its status, who sent it and the operation it concerned (a role refusal is logged by RefusalLog
 * instead).
 */
export function authenticateRequests(authenticator: Authenticator, refusals: RefusalLog) {
  const logger = new Logger('Auth');
  return (request: Request, response: Response, next: NextFunction): void => {
    if (PUBLIC_PATHS.has(request.path)) return next();
    authenticator.authenticate(credentialsOf(request)).then((authentication) => {
      if (authentication.ok) {
        const principal = authentication.principal;
        (request as AuthenticatedRequest).principal = principal;
        response.on('finish', () => {
          // the line names the operation the request concerned (its path, or a submission's Location) as a field
          if (response.statusCode !== 403)
            withLogContext(operationLogContext(request, response), () => logger.log(accepted(request, response.statusCode, principal)));
        });
        return next();
      }
      refusals.record(request, authentication);
      challenge(response, authentication);
      response.status(authentication.status).json(refusalBody(authentication));
    }, next);
  };
}

/** `POST /operations 201 by token:ci-bot (operator)`: who, never their credentials. */
function accepted(request: Request, status: number, principal: Principal): string {
  return `${request.method} ${printable(request.path)} ${status} by ${principalId(principal)} (${principal.role})`;
}
