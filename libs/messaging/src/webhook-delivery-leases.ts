import { Provider } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets } from '@daedalus/contracts';
import { JsonKv, JsonStore } from './json-kv';
import { NatsConfig } from './nats-config';
import { NotProvisionedError, isPermissionDenied } from './permissions';
import { retryDuringStartup } from './startup-retry';
import { TopologyOptions } from './topology';
import { NATS_CONFIG, NATS_CONNECTION, startupRetry, TOPOLOGY_OPTIONS } from './nats.module';

/**
 * A webhook delivery not yet settled, and which coordinator works on it until when. It exists from just before
 * the delivery is claimed in the operation record until its outcome (delivered, failed) is written there; a
 * lease that ran out is the delivery of a coordinator that died, and another one takes it over.
 */
export interface DeliveryLease {
  /** the delivery id (`<operation>.<state>.r<resumes>.<webhook>`), as in the record's `notifications` */
  deliveryId: string;
  operationId: string;
  webhook: string;
  /** the final state the delivery tells of, and the run (resume count) that reached it */
  operationState: string;
  resumeCount: number;
  /** the coordinator process working on it */
  owner: string;
  /** ISO time; the owner renews it before every attempt, and past it any coordinator may take over */
  leaseUntil: string;
}

/** A delivery id as a KV key: one subject token (the id's dots become `_`; ids are unique either way). */
export const deliveryLeaseKey = (deliveryId: string) => deliveryId.replace(/\./g, '_');

/**
 * The open webhook deliveries (KV `daedalus-webhook-deliveries`, one key per delivery not settled). Only
 * coordinators open it. A key lives seconds to minutes and is erased (no delete marker) when its delivery is
 * settled, so listing costs what the deliveries in flight cost.
 */
export class DeliveryLeaseStore {
  constructor(private readonly kv: JsonStore<DeliveryLease>) {}

  /** false when the delivery has a lease already (another coordinator works on it) */
  create(lease: DeliveryLease): Promise<boolean> {
    return this.kv.create(deliveryLeaseKey(lease.deliveryId), lease);
  }

  async get(deliveryId: string): Promise<DeliveryLease | undefined> {
    return (await this.kv.get(deliveryLeaseKey(deliveryId)))?.value;
  }

  async list(): Promise<DeliveryLease[]> {
    return (await this.kv.values()).map((entry) => entry.value);
  }

  /**
   * Sets owner and lease end by compare-and-set when `may` accepts the lease as it is now (renewing one's own,
   * or taking over one that ran out): true when this call's write stored it.
   */
  async take(deliveryId: string, may: (current: DeliveryLease) => boolean, owner: string, leaseUntil: Date): Promise<boolean> {
    let taken = false;
    await this.kv.mutate(deliveryLeaseKey(deliveryId), (current) => {
      taken = false; // the mutation runs again after a compare-and-set conflict
      if (!may(current)) return undefined;
      taken = true;
      return { ...current, owner, leaseUntil: leaseUntil.toISOString() };
    });
    return taken;
  }

  /** The delivery is settled: its key goes, without a marker. Idempotent. */
  release(deliveryId: string): Promise<void> {
    return this.kv.erase(deliveryLeaseKey(deliveryId));
  }
}

/** Opens (creating when missing) the deliveries bucket, as the other buckets are opened (leader reads). */
export async function openDeliveryLeaseStore(nc: NatsConnection, topology: TopologyOptions): Promise<DeliveryLeaseStore> {
  const settings = { replicas: topology.replicas, history: 1, allow_direct: false };
  let kv;
  try {
    kv = await new Kvm(nc).create(Buckets.webhookDeliveries, settings);
  } catch (error) {
    if (isPermissionDenied(error)) throw new NotProvisionedError(`KV bucket ${Buckets.webhookDeliveries}`, { cause: error });
    throw error;
  }
  const jsm = await jetstreamManager(nc);
  return new DeliveryLeaseStore(
    new JsonKv<DeliveryLease>(kv, { jsm, bucket: Buckets.webhookDeliveries, replicated: topology.replicas > 1 }),
  );
}

/** The coordinator's DeliveryLeaseStore. */
export const deliveryLeaseStoreProvider: Provider = {
  provide: DeliveryLeaseStore,
  inject: [NATS_CONNECTION, NATS_CONFIG, TOPOLOGY_OPTIONS],
  useFactory: (nc: NatsConnection, config: NatsConfig, topology: TopologyOptions) =>
    retryDuringStartup('creating the webhook deliveries bucket', () => openDeliveryLeaseStore(nc, topology), startupRetry(config)),
};
