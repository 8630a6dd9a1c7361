import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configure } from '@daedalus/common';
import { AGENT_SERVICE, AgentConfig } from './agent-config';
import { AgentModule } from './agent.module';

async function bootstrap(): Promise<void> {
  const config = await configure(AGENT_SERVICE, (reader) => AgentConfig.load(reader));
  if (!config) return; // --help, or settings that are wrong: said on the console, nothing opened
  const app = await NestFactory.createApplicationContext(AgentModule.create(config), {
    logger: ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  Logger.log(`node agent started (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
