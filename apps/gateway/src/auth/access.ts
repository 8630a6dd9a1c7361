import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { isOperationType } from '@daedalus/contracts';
import { Principal, principalId } from './principal';
import { ACTION_ROLES, OPERATION_ROLES, Role, roleAtLeast } from './roles';

/** What a route does, for the guard: `public` needs no credentials; every other kind needs a role (roles.ts). */
export type Access = 'public' | 'read' | 'submit' | 'cancel' | 'resume' | 'remove-node' | 'schedule' | 'delete-schedule' | 'alert';

export const ACCESS_KEY = 'daedalus:access';

/** Marks a route (or a controller) with what it does. A route without a mark is `read` for GET and HEAD, admin-only otherwise. */
export const RouteAccess = (access: Access) => SetMetadata(ACCESS_KEY, access);

/** The principal the guard let through (undefined only on public routes). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<{ principal?: Principal }>().principal,
);

/** What a request asks, as far as its role goes. */
export interface AccessRequest {
  access: Exclude<Access, 'public'> | undefined;
  /** the POST /operations body, or the POST/PUT /schedules body (already parsed JSON) */
  body?: unknown;
  /** DELETE /operations/{id}: who submitted it (undefined: nobody recorded, or no such operation) */
  submittedBy?: string;
  /** DELETE /operations/{id}: whether the operation exists */
  exists?: boolean;
}

/**
 * A verify's `deleteOrphans` that may mean yes (anything but absent, false or "false", lenient as requests are):
 * it deletes from the store, so it needs the role of a removal; a value that means nothing is then refused (400).
 */
function asksToDelete(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  return !(typeof value === 'string' && ['', 'false'].includes(value.trim().toLowerCase()));
}

/** The role a request needs, and how to say so when the caller lacks it. */
export function requiredRole(request: AccessRequest, principal: Principal): { role: Role; what: string } {
  switch (request.access) {
    case 'schedule': {
      // a schedule submits its request later, unattended: it needs what submitting that request needs, and operator at least
      const body = typeof request.body === 'object' && request.body !== null ? (request.body as { request?: unknown }).request : undefined;
      const submit = requiredRole({ access: 'submit', body }, principal);
      const role = roleAtLeast(submit.role, ACTION_ROLES.schedule) ? submit.role : ACTION_ROLES.schedule;
      return { role, what: `scheduling${submit.what.replace(/^submitting/, '')}` };
    }
    case 'delete-schedule':
      return { role: ACTION_ROLES['delete-schedule'], what: 'deleting a schedule' };
    case 'alert':
      return { role: ACTION_ROLES.alert, what: 'relaying Alertmanager notifications' };
    case 'read':
      return { role: ACTION_ROLES.read, what: 'reading' };
    case 'submit': {
      const raw = typeof request.body === 'object' && request.body !== null ? (request.body as { type?: unknown }).type : undefined;
      // normalised as parseOperationRequest does, so the type checked here is the type that runs
      const type = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (type === 'verify' && asksToDelete((request.body as { deleteOrphans?: unknown }).deleteOrphans))
        return { role: ACTION_ROLES['verify-delete-orphans'], what: 'submitting a verify that deletes orphans' };
      if (isOperationType(type)) return { role: OPERATION_ROLES[type], what: `submitting a ${type} operation` };
      return { role: ACTION_ROLES['submit-unknown-type'], what: 'submitting an operation' };
    }
    case 'cancel':
      if (request.exists === false) return { role: ACTION_ROLES['cancel-own'], what: 'cancelling an operation' };
      if (request.submittedBy !== undefined && request.submittedBy === principalId(principal)) {
        return { role: ACTION_ROLES['cancel-own'], what: 'cancelling your own operation' };
      }
      return {
        role: ACTION_ROLES['cancel-any'],
        what: `cancelling an operation submitted by ${request.submittedBy ?? 'someone unrecorded'}`,
      };
    case 'resume':
      return { role: ACTION_ROLES.resume, what: 'resuming a restore' };
    case 'remove-node':
      return { role: ACTION_ROLES['remove-node'], what: "removing a node's registration" };
    default:
      return { role: 'admin', what: 'this request' };
  }
}
