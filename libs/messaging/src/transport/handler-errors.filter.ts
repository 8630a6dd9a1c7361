import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Hands a handler's error to the transport as it was thrown. Nest's default RPC filter would turn it into
 * `{status: 'error', message}` and the transport could no longer tell a RetryableError from a FatalError,
 * which is what settlement decides on. Registered by `jetStreamTransportProviders`.
 */
@Catch()
export class HandlerErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
