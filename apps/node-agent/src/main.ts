import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { ConfigReader } from '@daedalus/common';
import { jetStreamMicroservice } from '@daedalus/messaging';
import { AgentConfig } from './agent-config';
import { AgentModule } from './agent.module';
import { NodeRegistrationService } from './registration/node-registration.service';

async function bootstrap(): Promise<void> {
  const reader = new ConfigReader();
  const config = await AgentConfig.load(reader);
  // A Nest microservice whose transport is JetStream (commands) and core NATS (queries, listings).
  const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(AgentModule.create(reader, config), {
    ...jetStreamMicroservice(),
    logger: ['log', 'warn', 'error'],
  });
  app.enableShutdownHooks();
  await app.listen();
  Logger.log(`node agent ready for ${app.get(NodeRegistrationService).current.hostId} (pid ${process.pid})`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
