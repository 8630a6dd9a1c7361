import { BadRequestException } from '@nestjs/common';
import { FieldError, RequestRejection } from '@daedalus/contracts';

/** A 400 whose body names each offending field: `{statusCode, error, message, errors: [{field, message}]}`. */
export function badRequest(errors: FieldError[], reason: RequestRejection = 'invalid'): BadRequestException {
  const error = reason === 'not-supported' ? 'Not Supported Yet' : reason === 'unknown-type' ? 'Unknown Operation Type' : 'Bad Request';
  return new BadRequestException({ statusCode: 400, error, message: errors.map((e) => e.message).join('; '), errors });
}
