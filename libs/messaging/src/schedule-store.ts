import { Provider } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, ScheduleEntry } from '@daedalus/contracts';
import { JsonKv, JsonStore, Mutation } from './json-kv';
import { NatsConfig } from './nats-config';
import { NotProvisionedError, isPermissionDenied } from './permissions';
import { retryDuringStartup } from './startup-retry';
import { TopologyOptions } from './topology';
import { NATS_CONFIG, NATS_CONNECTION, startupRetry, TOPOLOGY_OPTIONS } from './nats.module';

/**
 * Repository of schedules (KV `daedalus-schedules`, key = schedule id). Only the gateway and the coordinators
 * open it (agents never need it, and their identities may not read it).
 */
export class ScheduleStore {
  constructor(private readonly kv: JsonStore<ScheduleEntry>) {}

  async get(id: string): Promise<ScheduleEntry | undefined> {
    return (await this.kv.get(id))?.value;
  }

  async list(): Promise<ScheduleEntry[]> {
    return (await this.kv.values()).map((entry) => entry.value);
  }

  /** false when a schedule with that id exists */
  create(entry: ScheduleEntry): Promise<boolean> {
    return this.kv.create(entry.definition.id, entry);
  }

  /** Compare-and-set update (bounded retries); the entry as stored afterwards, undefined when it does not exist. */
  mutate(id: string, mutation: Mutation<ScheduleEntry>): Promise<ScheduleEntry | undefined> {
    return this.kv.mutate(id, mutation);
  }

  delete(id: string): Promise<void> {
    return this.kv.delete(id);
  }
}

/** Opens (creating when missing) the schedules bucket, as the other buckets are opened (leader reads). */
export async function openScheduleStore(nc: NatsConnection, topology: TopologyOptions): Promise<ScheduleStore> {
  const settings = { replicas: topology.replicas, history: 1, allow_direct: false };
  let kv;
  try {
    kv = await new Kvm(nc).create(Buckets.schedules, settings);
  } catch (error) {
    if (isPermissionDenied(error)) throw new NotProvisionedError(`KV bucket ${Buckets.schedules}`, { cause: error });
    throw error;
  }
  const jsm = await jetstreamManager(nc);
  return new ScheduleStore(new JsonKv<ScheduleEntry>(kv, { jsm, bucket: Buckets.schedules, replicated: topology.replicas > 1 }));
}

/** The ScheduleStore provider of the services that use schedules (gateway, coordinator). */
export const scheduleStoreProvider: Provider = {
  provide: ScheduleStore,
  inject: [NATS_CONNECTION, NATS_CONFIG, TOPOLOGY_OPTIONS],
  useFactory: (nc: NatsConnection, config: NatsConfig, topology: TopologyOptions) =>
    retryDuringStartup('creating the schedules bucket', () => openScheduleStore(nc, topology), startupRetry(config)),
};
