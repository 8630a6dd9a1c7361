import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withOperationRequests } from './docs/openapi-requests';
import { withErrorResponses } from './docs/openapi-responses';
import { ErrorResponse } from './docs/response-views';
import { configure, processMetrics, useServiceLogger } from '@daedalus/common';
import { configureHttp, httpsOptionsFor } from './gateway-app';
import { GATEWAY_SERVICE, GatewayConfig } from './gateway-config';
import { GatewayModule } from './gateway.module';
import { SIDECAR_VERSION } from './topology/cluster.controller';

/** Which credentials the gateway accepts, for its startup line. */
function describeAuth(config: GatewayConfig): string {
  const ways = [
    config.auth.apiTokensFile ? 'API tokens' : '',
    config.auth.jwtJwks ? 'JWT' : '',
    config.https.clientCa ? `client certificates${config.https.requireClientCert ? ' (required)' : ''}` : '',
    config.auth.anonymousRole ? `anonymous as ${config.auth.anonymousRole}` : '',
  ].filter((w) => w !== '');
  return `accepts ${ways.join(', ')}`;
}

async function bootstrap(): Promise<void> {
  const config = await configure(GATEWAY_SERVICE, (reader) => new GatewayConfig(reader));
  if (!config) return; // --help, or settings that are wrong: said on the console, nothing opened
  processMetrics('gateway'); // this process's registry, named before any library records into it
  const logger = useServiceLogger({ service: 'gateway', ...config.loggingSettings });
  const httpsOptions = httpsOptionsFor(config.https);
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.create(config), {
    httpsOptions,
    bodyParser: false,
    logger,
  });
  configureHttp(app, config);
  app.enableShutdownHooks();

  const openApi = new DocumentBuilder()
    .setTitle('Daedalus gateway')
    .setDescription('Icarus-compatible REST API for Cassandra backup, restore and node operations')
    .setVersion(SIDECAR_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API token or a JWT (see docs/design.md)' })
    .addSecurityRequirements('bearer')
    .build();
  const document = () =>
    withErrorResponses(withOperationRequests(SwaggerModule.createDocument(app, openApi, { extraModels: [ErrorResponse] })));
  SwaggerModule.setup('api-docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
  });

  await app.listen(config.port, config.host);
  const scheme = httpsOptions ? 'https' : 'http';
  const auth = describeAuth(config);
  Logger.log(`gateway listening on ${scheme}://${config.host}:${config.port} (pid ${process.pid}; ${auth})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
