import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { isUUID } from 'class-validator';
import { OperationStore } from '@daedalus/messaging';
import { Access, ACCESS_KEY, AccessRequest, requiredRole } from './access';
import { refusalException } from './auth-errors';
import { Authenticator, Refusal } from './authenticator';
import { credentialsOf } from './credentials';
import { Principal, principalId } from './principal';
import { roleAtLeast } from './roles';

/** At most this many refusal lines per window: anyone can send bad credentials, the log must not grow with them. */
const REFUSAL_LOG_LIMIT = 20;
const REFUSAL_LOG_WINDOW_MS = 10_000;

export type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * Every route but the public ones: who sent the request (Authenticator), then whether their role may do what the
 * route does (access.ts, roles.ts). A refusal is 401 with WWW-Authenticate, or 403 naming the role needed; an
 * accepted request is logged with who sent it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private refusalWindow = { start: 0, count: 0 };

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly operations: OperationStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const principal = await this.authorize(request, access ?? (['GET', 'HEAD'].includes(request.method) ? 'read' : undefined), response);
    request.principal = principal;
    this.logger.log(`${request.method} ${printable(request.path)} by ${principalId(principal)} (${principal.role})`);
    return true;
  }

  /** The principal, if it may do `access`; throws the 401 or 403 otherwise. Used for the API docs too. */
  async authorize(request: Request, access: AccessRequest['access'], response: Response): Promise<Principal> {
    const authentication = await this.authenticator.authenticate(credentialsOf(request));
    if (!authentication.ok) throw this.refuse(request, response, authentication);
    const principal = authentication.principal;
    const needed = requiredRole(await this.describe(request, access), principal);
    if (!roleAtLeast(principal.role, needed.role)) {
      const id = principalId(principal);
      throw this.refuse(request, response, {
        status: 403,
        field: 'role',
        message: `${needed.what} needs the ${needed.role} role; ${id} has ${principal.role}`,
      });
    }
    return principal;
  }

  /** What the request asks; a cancel needs to know whose operation it is. */
  private async describe(request: Request, access: AccessRequest['access']): Promise<AccessRequest> {
    if (access === 'submit') return { access, body: request.body as unknown };
    if (access !== 'cancel') return { access };
    const id = String((request.params as Record<string, string> | undefined)?.id ?? '');
    const record = isUUID(id) ? await this.operations.get(id.toLowerCase()) : undefined;
    return { access, exists: record !== undefined, submittedBy: record?.submittedBy };
  }

  private refuse(request: Request, response: Response, refusal: Refusal): Error {
    if (refusal.status === 401) response.setHeader('WWW-Authenticate', this.authenticator.challenge(refusal));
    const now = Date.now();
    if (now - this.refusalWindow.start >= REFUSAL_LOG_WINDOW_MS) this.refusalWindow = { start: now, count: 0 };
    if (++this.refusalWindow.count <= REFUSAL_LOG_LIMIT) {
      this.logger.warn(
        `refused ${request.method} ${printable(request.path)} from ${request.ip ?? '?'}: ${refusal.status} ${refusal.message}`,
      );
    }
    return refusalException(refusal);
  }
}

function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  return path.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
