import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigReader } from '@daedalus/common';
import { AgentConfig } from './agent-config';
import { AgentModule } from './agent.module';

async function bootstrap(): Promise<void> {
  const reader = new ConfigReader();
  const config = await AgentConfig.load(reader);
  const app = await NestFactory.createApplicationContext(AgentModule.create(reader, config), {
    logger: ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  Logger.log(`node agent started (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
