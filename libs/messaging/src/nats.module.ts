import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { jetstream, jetstreamManager, JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, NodeRegistration, OperationRecord } from '@daedalus/contracts';
import { Clock, SystemClock } from '@daedalus/common';
import { connectNats } from './connection';
import { JsonKv } from './json-kv';
import { describeNatsConfig, NatsConfig } from './nats-config';
import { SettlementPolicy } from './settlement';
import { NotProvisionedError } from './permissions';
import { isTransientJetStreamError, retryDuringStartup, StartupRetryOptions } from './startup-retry';
import { ActiveMarker, NodeRegistry, OperationStore } from './stores';
import { RecordSealer } from './integrity/record-seal';
import { SigningKey } from './integrity/signing-key';
import { DurableConsumerSpec, ensureBuckets, ensureConsumer, ensureStreams, Stores, TopologyOptions } from './topology';

/**
 * Start-up retries bounded by the configured start-up timeout, each one logged. Besides a JetStream that is not
 * ready, a service whose identity may not create what it needs waits for the identity that may (deploy/nats).
 */
export function startupRetry(config: NatsConfig): StartupRetryOptions {
  const logger = new Logger('Nats');
  return {
    timeoutMs: config.startupTimeoutMs,
    onRetry: (message) => logger.warn(message),
    isTransient: (error) => isTransientJetStreamError(error) || error instanceof NotProvisionedError,
  };
}

/** What ensure* kept as it was because this identity may not change it. */
function topologyNotice(message: string): void {
  new Logger('Nats').warn(message);
}

/** Creates or updates a durable consumer at start-up, waiting out a JetStream that is not ready yet. */
export async function ensureConsumerAtStartup(
  nc: NatsConnection,
  config: NatsConfig,
  spec: DurableConsumerSpec,
  policy: SettlementPolicy,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await retryDuringStartup(
    `creating consumer ${spec.durable}`,
    () => ensureConsumer(jsm, spec, policy, topologyNotice),
    startupRetry(config),
  );
}

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const JETSTREAM = Symbol('JETSTREAM');
export const NATS_CONFIG = Symbol('NATS_CONFIG');
export const TOPOLOGY_OPTIONS = Symbol('TOPOLOGY_OPTIONS');

/** The signing key of this service, if it was given one (`--command-signing-key-file`; the gateway never is). */
export class Signing {
  constructor(readonly key?: SigningKey) {}
}
const KV_STORES = Symbol('KV_STORES');

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.nc.isClosed()) return;
    await Promise.race([this.nc.drain(), new Promise((resolve) => setTimeout(resolve, 5_000))]).catch((error) =>
      this.logger.warn(`drain failed: ${String(error)}`),
    );
  }
}

/**
 * Everything outside the process that lives in NATS, as injectable adapters: the connection, JetStream,
 * the operation store and the node registry. Every service creates the streams and buckets it needs
 * at start-up (idempotent), so they can start in any order.
 */
@Global()
@Module({})
export class NatsInfraModule {
  static forRoot(config: NatsConfig, topology: TopologyOptions, signing: Signing = new Signing()): DynamicModule {
    const replicated = topology.replicas > 1;
    return {
      module: NatsInfraModule,
      providers: [
        { provide: NATS_CONFIG, useValue: config },
        { provide: TOPOLOGY_OPTIONS, useValue: topology },
        { provide: Signing, useValue: signing },
        { provide: Clock, useClass: SystemClock },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const logger = new Logger('Nats');
            const nc = await connectNats(config, undefined, (message) => logger.warn(message));
            logger.log(`connected to ${describeNatsConfig(config)}`);
            return nc;
          },
        },
        {
          provide: JETSTREAM,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection): Promise<JetStreamClient> => {
            const jsm = await jetstreamManager(nc);
            await retryDuringStartup('creating streams', () => ensureStreams(jsm, topology, topologyNotice), startupRetry(config));
            return jetstream(nc);
          },
        },
        {
          provide: KV_STORES,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection): Promise<Stores> =>
            retryDuringStartup('creating KV buckets', () => ensureBuckets(nc, topology), startupRetry(config)),
        },
        {
          provide: OperationStore,
          inject: [KV_STORES],
          useFactory: (stores: Stores) =>
            new OperationStore(
              new JsonKv<OperationRecord>(stores.operations, { jsm: stores.jsm, bucket: Buckets.operations, replicated }),
              new JsonKv<ActiveMarker>(stores.activeOperations, { jsm: stores.jsm, bucket: Buckets.activeOperations, replicated }),
              new RecordSealer(signing.key),
            ),
        },
        {
          provide: NodeRegistry,
          inject: [KV_STORES, Clock],
          useFactory: (stores: Stores, clock: Clock) =>
            new NodeRegistry(new JsonKv<NodeRegistration>(stores.nodes, { jsm: stores.jsm, bucket: Buckets.nodes, replicated }), clock),
        },
        NatsLifecycle,
      ],
      exports: [Signing, NATS_CONFIG, TOPOLOGY_OPTIONS, NATS_CONNECTION, JETSTREAM, OperationStore, NodeRegistry, Clock],
    };
  }
}
