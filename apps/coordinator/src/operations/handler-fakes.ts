import { JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { isSettled, NodeCommandMessage, OperationRecord } from '@daedalus/contracts';
import { Mutation, NodeRegistry, OperationStore, RegisteredNodeView } from '@daedalus/messaging';
import { Clock, PauseHook } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { PauseHookClient } from '../adapters/pause-hooks';
import { CoordinatorConfig } from '../coordinator-config';
import { PauseWindows } from './pause-windows';

/** In-memory stand-ins for the coordinator handlers' unit specs. */

/** Operation records as the KV store keeps them: JSON, create-only, compare-and-set updates. */
export class MemoryOperationStore {
  readonly records = new Map<string, OperationRecord>();

  private static stored(record: OperationRecord): OperationRecord {
    return JSON.parse(JSON.stringify(record)) as OperationRecord;
  }

  async create(record: OperationRecord): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, MemoryOperationStore.stored(record));
    return true;
  }

  async get(id: string): Promise<OperationRecord | undefined> {
    return this.records.get(id);
  }

  /** No signing key here: every record is trusted (sealing has its own spec, libs/messaging). */
  async getTrusted(id: string): Promise<{ record?: OperationRecord; problem?: string }> {
    return { record: this.records.get(id) };
  }

  /** As the store's: the record as stored afterwards, also when the mutation changed nothing. */
  async mutate(id: string, mutation: Mutation<OperationRecord>): Promise<OperationRecord | undefined> {
    const current = this.records.get(id);
    if (!current) return undefined;
    const next = mutation(current, { revision: 1 });
    if (next === undefined) return current;
    this.records.set(id, MemoryOperationStore.stored(next));
    return this.records.get(id);
  }

  async reopen(id: string, mutation: Mutation<OperationRecord>): Promise<OperationRecord | undefined> {
    return this.mutate(id, mutation);
  }

  async listActive(): Promise<OperationRecord[]> {
    return [...this.records.values()].filter((r) => !isSettled(r));
  }

  asStore(): OperationStore {
    return this as unknown as OperationStore;
  }
}

export interface PublishedCommand {
  subject: string;
  id: string;
  command: NodeCommandMessage;
}

/** The coordinator's real NodeCommands over a JetStream and a connection that only record what they are given. */
export function recordingCommands(clock: Clock): { commands: NodeCommands; published: PublishedCommand[]; announced: OperationRecord[] } {
  const published: PublishedCommand[] = [];
  const announced: OperationRecord[] = [];
  const js = {
    publish: async (subject: string, data: string, options: { msgID: string }) => {
      published.push({ subject, id: options.msgID, command: JSON.parse(data) as NodeCommandMessage });
      return { seq: published.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  const nc = {
    publish: (_subject: string, data: string) => void announced.push(JSON.parse(data) as OperationRecord),
  } as unknown as NatsConnection;
  return { commands: new NodeCommands(js, nc, clock), published, announced };
}

export function registryOf(views: RegisteredNodeView[]): NodeRegistry {
  return {
    list: async () => views,
    get: async (hostId: string) => views.find((v) => v.registration.hostId === hostId),
  } as unknown as NodeRegistry;
}

export const clockAt = (now: Date): Clock => ({ now: () => now }) as Clock;

/** The real pause hook client, over the given hooks (none: a backup may name none). */
export function pauseHookClientOf(clock: Clock, hooks: PauseHook[] = []): PauseHookClient {
  return new PauseHookClient({ pauseHooks: hooks } as unknown as CoordinatorConfig, clock);
}

/** The real PauseWindows over the given store, commands and hook client. */
export function pauseWindowsOver(
  store: OperationStore,
  commands: NodeCommands,
  clock: Clock,
  client: PauseHookClient = pauseHookClientOf(clock),
  maxPauseWindowMs = 300_000,
): PauseWindows {
  return new PauseWindows(store, commands, client, clock, { maxPauseWindowMs } as unknown as CoordinatorConfig);
}
