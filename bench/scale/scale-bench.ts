/**
 * Coordination at cluster size (issue #18): a private nats-server, real coordinator processes (dist/; 1 and then
 * 2 replicas) and N fake node agents (fake-agents.ts: one process, the real protocol — registrations and
 * heartbeats, each node's durable command consumer, the NodeEvent DTOs, subjects and message ids). For each N,
 * `--runs` global flushes, each measured from the SubmitOperation (record created as the gateway does) to the
 * record seen COMPLETED:
 *
 * - overhead: that wall time minus the agents' own pretend work (`--work-ms`; every node works at once)
 * - record writes: revisions written to `daedalus-operations` (the bucket stream's last sequence before/after)
 * - write attempts and bytes: every message published on the record's KV subject, seen by a core subscription
 *   (a compare-and-set that lost is published too, and refused by the stream): attempts − writes = conflicts
 * - JetStream messages: the requests, commands and events streams and the operations buckets (not heartbeats)
 *
 * `npm run bench -- scale [--nodes 10,100,1000] [--coordinators 1,2] [--runs 3] [--work-ms 100]`
 */
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, JetStreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Buckets, FlushRequest, newOperationRecord, OperationRecord, SCHEMA_VERSION, Streams } from '@daedalus/contracts';
import { DEFAULT_TOPOLOGY, ensureBuckets, JsonKv, OperationStore, publishSubmission } from '@daedalus/messaging';
import { startNatsServer } from '../../test/support/nats';
import { makeTempDir, ProcessGroup, removeDir, sleep } from '../../test/support/processes';
import { FakeAgents } from './fake-agents';

const DIST = join(__dirname, '../../dist');
const KEYSPACE = 'ks';
const OPERATION_TIMEOUT_MS = 300_000;

function listOption(args: string[], name: string, fallback: number[]): number[] {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1].split(',').map(Number) : fallback;
}

export interface RunMeasure {
  wallMs: number;
  overheadMs: number;
  writes: number;
  attempts: number;
  bytes: number;
  jetStreamMessages: number;
  /** submission → first node's command; → last node's command; last node's result stored → COMPLETED seen */
  firstCommandMs: number;
  lastCommandMs: number;
  tailMs: number;
}

interface Scenario {
  coordinators: number;
  nodes: number;
  runs: RunMeasure[];
}

const STREAMS = [Streams.requests, Streams.commands, Streams.events, `KV_${Buckets.operations}`, `KV_${Buckets.activeOperations}`] as const;

async function lastSequences(jsm: JetStreamManager): Promise<number[]> {
  return Promise.all(STREAMS.map(async (s) => (await jsm.streams.info(s)).state.last_seq));
}

/** One global flush, from submission to COMPLETED, with what it wrote. */
async function runOnce(
  nc: NatsConnection,
  jsm: JetStreamManager,
  store: OperationStore,
  agents: FakeAgents,
  workMs: number,
): Promise<RunMeasure> {
  const id = randomUUID();
  const subject = `$KV.${Buckets.operations}.${id}`;
  let attempts = 0;
  let bytes = 0;
  let completedAt: number | undefined;
  let confirming = false;
  const writes = nc.subscribe(subject);
  const confirm = async (seenAt: number) => {
    const record = await store.get(id);
    if (record?.state === 'COMPLETED') completedAt ??= seenAt;
    else if (record && record.state !== 'RUNNING' && record.state !== 'PENDING') {
      throw new Error(`operation ${id} ended ${record.state}: ${JSON.stringify(record.errors)}`);
    }
  };
  const failures: unknown[] = [];
  const watching = (async () => {
    for await (const msg of writes) {
      attempts += 1;
      bytes += msg.data.length;
      // the state is the record's fourth field: no need to parse a record of N node entries to see it
      if (!confirming && new TextDecoder().decode(msg.data.subarray(0, 300)).includes('"state":"COMPLETED"')) {
        const seenAt = performance.now();
        confirming = true;
        void confirm(seenAt)
          .catch((error: unknown) => failures.push(error))
          .finally(() => (confirming = false));
      }
    }
  })();
  await nc.flush();
  const before = await lastSequences(jsm);
  const request = plainToInstance(FlushRequest, { type: 'flush', keyspace: KEYSPACE, globalRequest: true });
  const record: OperationRecord = newOperationRecord(id, request, new Date(), SCHEMA_VERSION, 'bench');
  agents.resetTimes();
  const started = performance.now();
  await store.create(record);
  await publishSubmission(jetstream(nc), record, new Date());
  const deadline = Date.now() + OPERATION_TIMEOUT_MS;
  while (completedAt === undefined) {
    if (failures.length > 0) throw failures[0];
    if (Date.now() > deadline) throw new Error(`operation ${id} not COMPLETED within ${OPERATION_TIMEOUT_MS} ms`);
    await sleep(5);
    // a missed write (slow subscriber) must not hang the bench: look at the record now and then
    if (!confirming && Math.random() < 0.02) await confirm(performance.now()).catch((error: unknown) => failures.push(error));
  }
  // the coordinators' last writes (marker retired) and settlement land just after
  await sleep(500);
  const after = await lastSequences(jsm);
  writes.unsubscribe();
  await watching;
  const wallMs = completedAt - started;
  const operationsIndex = STREAMS.indexOf(`KV_${Buckets.operations}`);
  return {
    wallMs,
    overheadMs: wallMs - workMs,
    writes: after[operationsIndex] - before[operationsIndex],
    attempts,
    bytes,
    jetStreamMessages: after.reduce((sum, last, i) => sum + last - before[i], 0),
    firstCommandMs: (agents.times.firstRun ?? NaN) - started,
    lastCommandMs: (agents.times.lastRun ?? NaN) - started,
    tailMs: completedAt - (agents.times.lastCompleted ?? NaN),
  };
}

async function runScenario(coordinators: number, nodes: number, runs: number, workMs: number): Promise<Scenario> {
  const dir = makeTempDir('scale-bench');
  const group = new ProcessGroup(dir);
  let nc: NatsConnection | undefined;
  let agents: FakeAgents | undefined;
  try {
    const nats = await startNatsServer(group, join(dir, 'nats'));
    for (let i = 1; i <= coordinators; i++) {
      // `SCALE_BENCH_CPU_PROF=<dir>`: each coordinator writes a V8 CPU profile there when stopped
      const profile = process.env.SCALE_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.SCALE_BENCH_CPU_PROF] : [];
      const proc = group.start(`coordinator-${i}`, process.execPath, [...profile, join(DIST, 'apps/coordinator/src/main.js')], {
        env: { ...process.env, NATS_SERVERS: nats.url, NO_COLOR: '1' },
      });
      await group.waitForOutput(proc, /coordinator ready/, 60_000);
    }
    nc = await connect({ servers: nats.url, maxPingOut: 10 });
    const jsm = await jetstreamManager(nc);
    const stores = await ensureBuckets(nc, DEFAULT_TOPOLOGY);
    const listing = (bucket: string) => ({ jsm: stores.jsm, bucket });
    const store = new OperationStore(
      new JsonKv(stores.operations, listing(Buckets.operations)),
      new JsonKv(stores.activeOperations, listing(Buckets.activeOperations)),
    );
    agents = new FakeAgents(nc, { nodes, keyspace: KEYSPACE, workMs, heartbeatIntervalMs: 10_000, ackWaitMs: 30_000 });
    await agents.start();
    const measured: RunMeasure[] = [];
    // a first flush warms the processes up (JIT, connections): not counted
    await runOnce(nc, jsm, store, agents, workMs);
    for (let run = 0; run < runs; run++) measured.push(await runOnce(nc, jsm, store, agents, workMs));
    return { coordinators, nodes, runs: measured };
  } finally {
    await agents?.stop();
    await nc?.close();
    await group.stopAll();
    removeDir(dir);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values: number[], digits = 0) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[0].toFixed(digits)} / ${median(sorted).toFixed(digits)} / ${sorted[sorted.length - 1].toFixed(digits)}`;
};

export function scaleTable(scenarios: Scenario[]): string[] {
  const lines = [
    '| coordinators | nodes | overhead ms (min / median / max) | first / last command ms | last result → COMPLETED ms | record writes | write attempts (conflicts) | KV bytes written | KV bytes per node | JetStream messages |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of scenarios) {
    const m = (pick: (r: RunMeasure) => number) => median(s.runs.map(pick));
    const bytes = m((r) => r.bytes);
    lines.push(
      `| ${s.coordinators} | ${s.nodes} | ${spread(s.runs.map((r) => r.overheadMs))} | ` +
        `${m((r) => r.firstCommandMs).toFixed(0)} / ${m((r) => r.lastCommandMs).toFixed(0)} | ${m((r) => r.tailMs).toFixed(0)} | ${m((r) => r.writes)} | ` +
        `${m((r) => r.attempts)} (${m((r) => r.attempts - r.writes)}) | ${(bytes / 1e6).toFixed(2)} MB | ` +
        `${(bytes / s.nodes / 1e3).toFixed(1)} kB | ${m((r) => r.jetStreamMessages)} |`,
    );
  }
  return lines;
}

export async function runScaleBench(args: string[]): Promise<void> {
  const nodeCounts = listOption(args, 'nodes', [10, 100, 1000]);
  const coordinatorCounts = listOption(args, 'coordinators', [1, 2]);
  const runs = listOption(args, 'runs', [3])[0];
  const workMs = listOption(args, 'work-ms', [100])[0];
  const scenarios: Scenario[] = [];
  for (const coordinators of coordinatorCounts) {
    for (const nodes of nodeCounts) {
      const scenario = await runScenario(coordinators, nodes, runs, workMs);
      scenarios.push(scenario);
      console.log(scaleTable([scenario]).slice(-1)[0]);
    }
  }
  console.log(`global flush, ${runs} runs each (after one warm-up), fake agents working ${workMs} ms each; medians except overhead`);
  for (const line of scaleTable(scenarios)) console.log(line);
}
