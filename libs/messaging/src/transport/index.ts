import { Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { HandlerErrorsFilter } from './handler-errors.filter';
import { JetStreamServer, TRANSPORT_ENDPOINTS, TransportEndpoints } from './jetstream.server';

export * from './contexts';
export * from './handler-errors.filter';
export * from './jetstream.server';
export * from './nats.requester';
export * from './subject-patterns';

/**
 * What a service that consumes JetStream through the transport adds to its module: the server (Nest's
 * microservice takes it as its strategy: `NestFactory.createMicroservice(Module, jetStreamMicroservice())`),
 * where it listens, and the filter that hands handler errors to settlement unchanged.
 */
export function jetStreamTransportProviders(endpoints: {
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
  useFactory: (...args: never[]) => TransportEndpoints;
}): Provider[] {
  return [
    { provide: TRANSPORT_ENDPOINTS, inject: endpoints.inject ?? [], useFactory: endpoints.useFactory },
    JetStreamServer,
    { provide: APP_FILTER, useClass: HandlerErrorsFilter },
  ];
}

/** The microservice options that make the module's JetStreamServer the transport. */
export function jetStreamMicroservice(): AsyncMicroserviceOptions {
  return { inject: [JetStreamServer], useFactory: (server: JetStreamServer) => ({ strategy: server }) };
}
