import { readFileSync } from 'node:fs';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import { NestExpressApplication } from '@nestjs/platform-express';
import { errorMessage } from '@daedalus/common';
import { HttpsSettings } from './auth/auth-settings';
import { authenticateRequests } from './auth/authenticate.middleware';
import { Authenticator } from './auth/authenticator';
import { RefusalLog } from './auth/refusals';
import { GatewayConfig } from './gateway-config';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { refuseUnreadableBodies } from './http/body-guards';
import { OperationLogContextInterceptor } from './http/operation-log-context';
import { serveDashboard } from './ui/dashboard';

/**
 * How the gateway reads requests and answers errors: the dashboard's static files (public), then who sent it
 * (401 before anything else), then a body
 * must be uncompressed JSON no larger than
 * --max-body-bytes (415 / 413 otherwise), and every error goes through one filter that names the field.
 */
export function configureHttp(app: NestExpressApplication, config: GatewayConfig): void {
  // the dashboard's static shell (GET /ui…) is public: it holds no data; every API call it makes is authenticated below
  app.use(serveDashboard());
  // first: nothing reads a request (not even its body) before we know who sent it
  app.use(authenticateRequests(app.get(Authenticator), app.get(RefusalLog)));
  app.use(refuseUnreadableBodies);
  app.useBodyParser('json', {
    limit: config.maxBodyBytes,
    strict: false,
    inflate: false,
    type: ['application/json', 'application/*+json'],
  });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalInterceptors(new OperationLogContextInterceptor());
}

/**
 * The TLS settings of the API server, files read now (a file that cannot be read stops the gateway, naming its
 * flag). With a client CA, the server asks every client for a certificate; it refuses the connection without a
 * trusted one only with --tls-require-client-cert (otherwise the request may still bring a bearer token).
 */
export function httpsOptionsFor(https: HttpsSettings): HttpsOptions | undefined {
  if (!https.cert || !https.key) return undefined;
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`--${flag} ${path} cannot be read: ${errorMessage(error)}`);
    }
  };
  return {
    cert: read('tls-cert', https.cert),
    key: read('tls-key', https.key),
    ...(https.clientCa
      ? { ca: read('tls-client-ca', https.clientCa), requestCert: true, rejectUnauthorized: https.requireClientCert }
      : {}),
  };
}
