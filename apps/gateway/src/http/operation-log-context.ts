import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { LogContext, logContextOf, withLogContext } from '@daedalus/common';

/** `/operations/<id>`, `/operations/<id>/events`, `/operations/<id>/resume`: the id, as sent (the path is not the list). */
const OPERATION_PATH = /^\/operations\/([^/?#]+)/;

function operationIdIn(path: string | undefined): string | undefined {
  const match = path === undefined ? null : OPERATION_PATH.exec(path);
  if (!match) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  // only what logContextOf accepts (a string, at most 200 characters), and nothing that could forge a line
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(id) ? undefined : logContextOf({ operationId: id }).operationId;
}

/**
 * The operation an HTTP request concerns, for its log lines: the id in its path (`GET /operations/<id>`, its
 * events, resume, cancel), or — for a submission, whose id the gateway chooses — the one its answer's Location
 * names (`POST /operations` 201). Empty for a request about no single operation.
 */
export function operationLogContext(request: Pick<Request, 'path'>, response?: Pick<Response, 'getHeader'>): LogContext {
  const fromPath = operationIdIn(request.path);
  if (fromPath) return { operationId: fromPath };
  const location = response?.getHeader('location');
  const fromLocation = typeof location === 'string' ? operationIdIn(location) : undefined;
  return fromLocation ? { operationId: fromLocation } : {};
}

/**
 * Runs each route handler inside the log context of the operation its path names, so every line written while
 * it is handled (the services, stores and NATS requests it calls) carries `operationId`. An interceptor, not a
 * middleware: the body parser's stream callbacks run outside the context a middleware would set.
 */
@Injectable()
export class OperationLogContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const fields = operationLogContext(context.switchToHttp().getRequest<Request>());
    if (!fields.operationId) return next.handle();
    return new Observable((subscriber) => withLogContext(fields, () => next.handle().subscribe(subscriber)));
  }
}
