import { NestExpressApplication } from '@nestjs/platform-express';
import { GatewayConfig } from './gateway-config';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { refuseUnreadableBodies } from './http/body-guards';

/**
 * How the gateway reads requests and answers errors: a body must be uncompressed JSON no larger than
 * --max-body-bytes (415 / 413 otherwise), and every error goes through one filter that names the field.
 */
export function configureHttp(app: NestExpressApplication, config: GatewayConfig): void {
  app.use(refuseUnreadableBodies);
  app.useBodyParser('json', {
    limit: config.maxBodyBytes,
    strict: false,
    inflate: false,
    type: ['application/json', 'application/*+json'],
  });
  app.useGlobalFilters(new AllExceptionsFilter());
}
