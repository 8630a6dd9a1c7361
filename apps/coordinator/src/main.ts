import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { configure, processMetrics, useServiceLogger } from '@daedalus/common';
import { jetStreamMicroservice } from '@daedalus/messaging';
import { COORDINATOR_SERVICE, CoordinatorConfig } from './coordinator-config';
import { CoordinatorModule } from './coordinator.module';

async function bootstrap(): Promise<void> {
  const config = await configure(COORDINATOR_SERVICE, (reader) => new CoordinatorConfig(reader));
  if (!config) return; // --help, or settings that are wrong: said on the console, nothing opened
  processMetrics('coordinator'); // this process's registry, named before any library records into it
  const logger = useServiceLogger({ service: 'coordinator', ...config.loggingSettings });
  // A Nest microservice whose transport is JetStream: its handlers are the module's @EventPattern methods.
  const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(CoordinatorModule.create(config), {
    ...jetStreamMicroservice(),
    logger,
  });
  app.enableShutdownHooks();
  await app.listen();
  Logger.log(`coordinator ready (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
