/**
 * N fake node agents in one process, for the scale bench: each registers in `daedalus-nodes` and heartbeats by
 * rewriting its registration, consumes its own commands from its durable `agent-<hostId>` (as a real agent does),
 * and answers a `run` with the real NodeEvent DTOs on the real subjects and message ids: `started`, then — after
 * `workMs` of pretend work — `completed`, each published and awaited before the command is acked. What it skips
 * is only what a node does: JMX, storage, the check of the record before running.
 */
import { Consumer, ConsumerMessages, JetStreamClient, jetstream, jetstreamManager, JsMsg } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import { mapConcurrent } from '@daedalus/common';
import {
  Buckets,
  MessageIds,
  NodeCommandMessage,
  NodeEventKind,
  NodeEventMessage,
  NodeRegistration,
  SCHEMA_VERSION,
  Streams,
  Subjects,
} from '@daedalus/contracts';
import { agentConsumer, ensureConsumer, publishJson } from '@daedalus/messaging';
import { Kvm } from '@nats-io/kv';

/** Host IDs as Cassandra makes them (UUIDs), numbered so a run is easy to read. */
export function fakeHostId(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

function registration(hostId: string, index: number, keyspace: string, now: Date): NodeRegistration {
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId,
    address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    dc: 'dc1',
    rack: 'rack1',
    tokens: [String(index)],
    clusterName: 'scale-bench',
    cassandraVersion: '4.1.7',
    schemaVersionId: 'bench',
    operationMode: 'NORMAL',
    dataDirectories: ['/var/lib/cassandra/data'],
    agentVersion: '0.1.0',
    startedAt: now.toISOString(),
    heartbeatAt: now.toISOString(),
    keyspaces: { [keyspace]: ['t'] },
  };
}

export interface FakeAgentsOptions {
  nodes: number;
  keyspace: string;
  /** how long each node pretends to work between `started` and `completed` */
  workMs: number;
  heartbeatIntervalMs: number;
  ackWaitMs: number;
}

export class FakeAgents {
  readonly hostIds: string[];
  private readonly subscriptions: ConsumerMessages[] = [];
  private heartbeat?: NodeJS.Timeout;
  private readonly js: JetStreamClient;
  /** commands handled (run and cancel), for the bench to check nothing was lost */
  commandsHandled = 0;
  /** when (performance.now()) the first and last `run` arrived and the last `completed` was stored, since `resetTimes` */
  times: { firstRun?: number; lastRun?: number; lastCompleted?: number } = {};

  resetTimes(): void {
    this.times = {};
  }

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: FakeAgentsOptions,
  ) {
    this.hostIds = Array.from({ length: options.nodes }, (_, i) => fakeHostId(i + 1));
    this.js = jetstream(nc);
  }

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const kv = await new Kvm(this.nc).open(Buckets.nodes);
    const beat = () =>
      mapConcurrent(this.hostIds, 64, undefined, (hostId) =>
        kv.put(hostId, JSON.stringify(registration(hostId, this.hostIds.indexOf(hostId) + 1, this.options.keyspace, new Date()))),
      );
    await beat();
    this.heartbeat = setInterval(() => void beat().catch(() => undefined), this.options.heartbeatIntervalMs);
    await mapConcurrent(this.hostIds, 32, undefined, async (hostId) => {
      const spec = agentConsumer(hostId, this.options.ackWaitMs);
      await ensureConsumer(jsm, spec, { maxAttempts: 5 });
      const consumer: Consumer = await this.js.consumers.get(Streams.commands, spec.durable);
      const messages = await consumer.consume({ max_messages: 4, expires: 10_000 });
      this.subscriptions.push(messages);
      void this.serve(hostId, messages);
    });
  }

  private async serve(hostId: string, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) void this.handle(hostId, msg);
    } catch {
      // the iterator ends when the bench stops
    }
  }

  private async handle(hostId: string, msg: JsMsg): Promise<void> {
    try {
      const command = msg.json<NodeCommandMessage>();
      if (command.hostId !== hostId) throw new Error(`command for ${command.hostId} on ${hostId}'s subject`);
      if (command.kind === 'run') {
        const arrived = performance.now();
        this.times.firstRun ??= arrived;
        this.times.lastRun = Math.max(this.times.lastRun ?? 0, arrived);
        await this.publish(command, 'started', 0);
        await new Promise((resolve) => setTimeout(resolve, this.options.workMs));
        await this.publish(command, 'completed', 1);
        this.times.lastCompleted = Math.max(this.times.lastCompleted ?? 0, performance.now());
      }
      this.commandsHandled += 1;
      msg.ack();
    } catch (error) {
      console.error(`fake agent ${hostId}: ${error instanceof Error ? error.message : String(error)}`);
      msg.nak(1000);
    }
  }

  private async publish(command: NodeCommandMessage, kind: NodeEventKind, progress: number): Promise<void> {
    const run = command.resume ?? 0;
    const event: NodeEventMessage = {
      schemaVersion: SCHEMA_VERSION,
      kind,
      operationId: command.operationId,
      hostId: command.hostId,
      progress,
      at: new Date().toISOString(),
      resume: run,
      ...(command.phase !== undefined ? { phase: command.phase } : {}),
    };
    await publishJson(
      this.js,
      Subjects.eventsFor(command.operationId, command.hostId),
      event,
      MessageIds.event(command.operationId, command.hostId, kind, command.phase, run),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.subscriptions.map((s) => s.close().catch(() => undefined)));
  }
}
