import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configure } from '@daedalus/common';
import { COORDINATOR_SERVICE, CoordinatorConfig } from './coordinator-config';
import { CoordinatorModule } from './coordinator.module';

async function bootstrap(): Promise<void> {
  const config = await configure(COORDINATOR_SERVICE, (reader) => new CoordinatorConfig(reader));
  if (!config) return; // --help, or settings that are wrong: said on the console, nothing opened
  const app = await NestFactory.createApplicationContext(CoordinatorModule.create(config), {
    logger: ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  Logger.log(`coordinator ready (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
