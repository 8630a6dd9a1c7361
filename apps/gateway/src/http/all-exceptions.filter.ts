import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { errors } from '@nats-io/transport-node';
import { isTransientJetStreamError } from '@daedalus/messaging';

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

/**
 * Bad input never becomes a 500: body-parser failures (malformed JSON, body too large, wrong charset)
 * get their own 4xx naming the body; only genuine server faults are 500, logged, with a generic message.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(this.describe(exception));
      return;
    }
    const parserError = bodyParserError(exception);
    if (parserError && parserError.status! >= 400 && parserError.status! < 500) {
      const status = parserError.status!;
      const message =
        parserError.type === 'entity.parse.failed'
          ? `body is not valid JSON: ${parserError.message ?? ''}`.trim()
          : parserError.type === 'entity.too.large'
            ? 'body is larger than the gateway accepts'
            : `body could not be read: ${parserError.message ?? parserError.type}`;
      response.status(status).json({ statusCode: status, error: 'Bad Request', message, errors: [{ field: 'body', message }] });
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

  /**
   * Our own 400s already name their fields. Nest answers unreadable bodies (malformed JSON, too large) itself
   * before any handler runs; those name no field, so they are about the body.
   */
  private describe(exception: HttpException): Record<string, unknown> {
    const status = exception.getStatus();
    const raw = exception.getResponse();
    const body: Record<string, unknown> = typeof raw === 'string' ? { statusCode: status, message: raw } : { ...(raw as object) };
    if ((status === 400 || status === 413) && !Array.isArray(body.errors)) {
      const detail = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? exception.message);
      const message = status === 413 ? 'body is larger than the gateway accepts' : `body is not valid JSON: ${detail}`;
      return { statusCode: status, error: body.error ?? 'Bad Request', message, errors: [{ field: 'body', message }] };
    }
    return body;
  }
}
