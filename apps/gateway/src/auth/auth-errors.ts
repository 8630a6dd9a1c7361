import { HttpException } from '@nestjs/common';
import { Refusal } from './authenticator';

/** A 401 or 403 in the API's error shape, naming what is missing. */
export function refusalException(refusal: Refusal): HttpException {
  const error = refusal.status === 401 ? 'Unauthorized' : 'Forbidden';
  return new HttpException(
    { statusCode: refusal.status, error, message: refusal.message, errors: [{ field: refusal.field, message: refusal.message }] },
    refusal.status,
  );
}
