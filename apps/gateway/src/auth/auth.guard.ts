import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { isUUID } from 'class-validator';
import { OperationStore } from '@daedalus/messaging';
import { Access, ACCESS_KEY, AccessRequest, requiredRole } from './access';
import { Refusal } from './authenticator';
import { AuthenticatedRequest, principalId } from './principal';
import { challenge, RefusalLog, refusalException } from './refusals';
import { roleAtLeast } from './roles';

/**
 * Whether the principal (found by authenticateRequests before the body was read) may do what the route does
 * (access.ts, roles.ts): 403 naming the role needed if not.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly operations: OperationStore,
    private readonly refusals: RefusalLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const principal = request.principal;
    // the middleware lets no request through without one, but a route it skipped must not run unauthenticated
    if (!principal) throw this.refuse(request, response, { status: 401, field: 'Authorization', message: 'credentials required' });
    const needed = requiredRole(
      await this.describe(request, access ?? (['GET', 'HEAD'].includes(request.method) ? 'read' : undefined)),
      principal,
    );
    if (!roleAtLeast(principal.role, needed.role)) {
      const message = `${needed.what} needs the ${needed.role} role; ${principalId(principal)} has ${principal.role}`;
      throw this.refuse(request, response, { status: 403, field: 'role', message });
    }
    return true;
  }

  /** What the request asks; a cancel needs to know whose operation it is. */
  private async describe(request: AuthenticatedRequest, access: AccessRequest['access']): Promise<AccessRequest> {
    if (access === 'submit' || access === 'schedule') return { access, body: request.body as unknown };
    if (access !== 'cancel') return { access };
    const id = String((request.params as Record<string, string> | undefined)?.id ?? '');
    const record = isUUID(id) ? await this.operations.get(id.toLowerCase()) : undefined;
    return { access, exists: record !== undefined, submittedBy: record?.submittedBy };
  }

  private refuse(request: AuthenticatedRequest, response: Response, refusal: Refusal): Error {
    this.refusals.record(request, refusal);
    challenge(response, refusal);
    return refusalException(refusal);
  }
}
