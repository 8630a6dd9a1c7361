import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { configure, processMetrics, useServiceLogger } from '@daedalus/common';
import { jetStreamMicroservice } from '@daedalus/messaging';
import { AGENT_SERVICE, AgentConfig } from './agent-config';
import { AgentModule } from './agent.module';
import { NodeRegistrationService } from './registration/node-registration.service';
import { ScrubbingHook } from './commands/scrubbing-logger';
import { SecretScrubber } from './commands/secret-scrubber';

async function bootstrap(): Promise<void> {
  const config = await configure(AGENT_SERVICE, (reader) => AgentConfig.load(reader));
  if (!config) return; // --help, or settings that are wrong: said on the console, nothing opened
  processMetrics('agent'); // this process's registry, named before any library records into it
  // every line without the secrets the agent opened (an SDK error may quote one): the scrubber is the module's
  const scrubbing = new ScrubbingHook();
  const logger = useServiceLogger({ service: 'node-agent', ...config.loggingSettings, scrub: scrubbing.line });
  // A Nest microservice whose transport is JetStream (commands) and core NATS (queries, listings).
  const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(AgentModule.create(config), {
    ...jetStreamMicroservice(),
    logger,
  });
  scrubbing.use(app.get(SecretScrubber));
  app.enableShutdownHooks();
  await app.listen();
  const hostId = app.get(NodeRegistrationService).current.hostId;
  Logger.log(`node agent ready for ${hostId} (pid ${process.pid})`, 'Bootstrap');
  // started by a sidecar (apps/sidecar): its gateway takes this node as its local node
  process.send?.({ daedalus: 'agent-ready', hostId });
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
