import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigReader } from '@daedalus/common';
import { CoordinatorModule } from './coordinator.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(CoordinatorModule.create(new ConfigReader()), {
    logger: ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  Logger.log(`coordinator ready (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
