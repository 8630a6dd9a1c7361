import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errors } from '@nats-io/transport-node';
import { isTransientJetStreamError } from '@daedalus/messaging';
import { allowedMethods } from './allowed-methods';

const RETRY_AFTER_SECONDS = 5;

/** The messaging layer cannot serve the request now (down, reconnecting, or a cluster electing leaders). */
function isNatsUnavailable(exception: unknown): boolean {
  return (
    isTransientJetStreamError(exception) ||
    exception instanceof errors.ClosedConnectionError ||
    exception instanceof errors.DrainingConnectionError ||
    exception instanceof errors.ConnectionError
  );
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

function bodyParserError(exception: unknown): BodyParserError | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as BodyParserError;
  return typeof e.type === 'string' && typeof e.status === 'number' ? e : undefined;
}

/** What a body-parser failure is about: the header at fault, else the body. */
function describeParserError(error: BodyParserError): { field: string; message: string } {
  switch (error.type) {
    case 'entity.parse.failed':
      return { field: 'body', message: `body is not valid JSON: ${error.message ?? ''}`.trim() };
    case 'entity.too.large':
      return { field: 'body', message: 'body is larger than the gateway accepts' };
    case 'charset.unsupported':
      return { field: 'Content-Type', message: `Content-Type: ${error.message ?? 'unsupported charset'} (send UTF-8)` };
    case 'encoding.unsupported':
      return { field: 'Content-Encoding', message: 'Content-Encoding is not supported: send the body uncompressed (identity)' };
    default:
      return { field: 'body', message: `body could not be read: ${error.message ?? error.type}` };
  }
}

/** The field a 4xx is about when the code that threw it named none. */
const DEFAULT_FIELD: Readonly<Record<number, string>> = {
  400: 'body',
  404: 'path',
  405: 'method',
  409: 'id',
  413: 'body',
  415: 'Content-Type',
};

const REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

/**
 * Bad input never becomes a 500, and every 4xx names what was wrong in `errors: [{field, message}]` (a body
 * field, a query or path parameter, a header, or `method`). A path that exists for other methods is 405 with
 * an Allow header. Only genuine server faults are 500, logged, with a generic message.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    if (exception instanceof HttpException) {
      if (exception.getStatus() === 404) {
        const allowed = allowedMethods(request);
        if (allowed.length > 0 && !allowed.includes(request.method.toUpperCase())) {
          const message = `${request.method} is not allowed on ${request.path.slice(0, 200)} (allowed: ${allowed.join(', ')})`;
          response.setHeader('Allow', allowed.join(', '));
          response.status(405).json(this.fieldBody(405, message, 'method'));
          return;
        }
      }
      response.status(exception.getStatus()).json(this.describe(exception));
      return;
    }
    const parserError = bodyParserError(exception);
    if (parserError && parserError.status! >= 400 && parserError.status! < 500) {
      const { field, message } = describeParserError(parserError);
      response.status(parserError.status!).json(this.fieldBody(parserError.status!, message, field));
      return;
    }
    if (isNatsUnavailable(exception)) {
      // NATS or JetStream is down or electing leaders: the client should come back, not report a bug
      this.logger.warn(`answering 503: NATS/JetStream unavailable (${(exception as Error).message})`);
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'NATS/JetStream is not reachable right now; retry later (with the same id or Idempotency-Key to avoid a second operation)',
      });
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ statusCode: 500, message: 'internal error' });
  }

  private fieldBody(status: number, message: string, field: string): Record<string, unknown> {
    return { statusCode: status, error: REASON[status] ?? 'Error', message, errors: [{ field, message }] };
  }

  /**
   * Our own 4xx already name their fields. Others (Nest's "Cannot GET /x", a 404 or 409 from code that named
   * nothing) get the field their status implies.
   */
  private describe(exception: HttpException): Record<string, unknown> {
    const status = exception.getStatus();
    const raw = exception.getResponse();
    const body: Record<string, unknown> = typeof raw === 'string' ? { statusCode: status, message: raw } : { ...(raw as object) };
    if (status < 400 || status >= 500 || Array.isArray(body.errors)) return body;
    const detail = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? exception.message);
    // Nest answers an unreadable body itself (before any handler) with a bare 400 or 413
    const message =
      status === 400 ? `body is not valid JSON: ${detail}` : status === 413 ? 'body is larger than the gateway accepts' : detail;
    return { ...this.fieldBody(status, message, DEFAULT_FIELD[status] ?? 'request'), error: body.error ?? REASON[status] ?? 'Error' };
  }
}
