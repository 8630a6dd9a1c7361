import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { FieldError, RequestRejection } from '@daedalus/contracts';

/** A 400 whose body names each offending field: `{statusCode, error, message, errors: [{field, message}]}`. */
export function badRequest(errors: FieldError[], reason: RequestRejection = 'invalid'): BadRequestException {
  const error = reason === 'not-supported' ? 'Not Supported Yet' : reason === 'unknown-type' ? 'Unknown Operation Type' : 'Bad Request';
  return new BadRequestException({ statusCode: 400, error, message: errors.map((e) => e.message).join('; '), errors });
}

/** A 404 naming what was not found (a path parameter such as `id`, or a query parameter). */
export function notFound(field: string, message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message, errors: [{ field, message }] });
}

/** A 409 naming the field whose value conflicts with the current state. */
export function conflict(field: string, message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message, errors: [{ field, message }] });
}
