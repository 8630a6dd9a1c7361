/**
 * Idle cost against history (issue #18): a private nats-server and two coordinators (dist/), their CPU-seconds
 * (utime + stime from /proc/<pid>/stat) over 10 s of idling on a fresh system, then again after `--operations`
 * operations (default 20,000) have been created and finished through the OperationStore — what the gateway and
 * the coordinators write for each operation (index marker, record, terminal update, marker retired). The
 * coordinators' sweeper lists the active-operations index every second meanwhile. Prints both side by side
 * with what the index stream holds.
 *
 * `npm run bench -- idle [--operations N] [--idle-seconds S]`
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { Buckets, FlushRequest, newOperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { DEFAULT_TOPOLOGY, ensureBuckets, JsonKv, OperationStore } from '@daedalus/messaging';
import { startNatsServer } from '../../test/support/nats';
import { makeTempDir, ManagedProcess, ProcessGroup, removeDir } from '../../test/support/processes';

const DIST = join(__dirname, '../../dist');
const CLOCK_TICKS = 100;

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** CPU-seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the command: state is field 3, utime 14 and stime 15 (1-based over the whole line)
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function idleCost(processes: ManagedProcess[], seconds: number): Promise<number[]> {
  const before = processes.map((p) => cpuSeconds(p.pid));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return processes.map((p, i) => cpuSeconds(p.pid) - before[i]);
}

async function runOperations(store: OperationStore, count: number, run: string): Promise<void> {
  const concurrency = 32;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const id = `bench-${run}-${next++}`;
      const record = newOperationRecord(id, plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks' }), new Date(), SCHEMA_VERSION);
      await store.create(record);
      await store.mutate(id, (r) => ({ ...r, state: OperationState.COMPLETED }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function runIdleBench(args: string[]): Promise<void> {
  const operations = option(args, 'operations', 20_000);
  const seconds = option(args, 'idle-seconds', 10);
  const dir = makeTempDir('idle-bench');
  const group = new ProcessGroup(dir);
  let nc: NatsConnection | undefined;
  try {
    const nats = await startNatsServer(group, join(dir, 'nats'));
    nc = await connect({ servers: nats.url });
    const stores = await ensureBuckets(nc, DEFAULT_TOPOLOGY);
    const listing = (bucket: string) => ({ jsm: stores.jsm, bucket });
    const store = new OperationStore(
      new JsonKv(stores.operations, listing(Buckets.operations)),
      new JsonKv(stores.activeOperations, listing(Buckets.activeOperations)),
    );
    const coordinators: ManagedProcess[] = [];
    for (let i = 1; i <= 2; i++) {
      const proc = group.start(
        `coordinator-${i}`,
        process.execPath,
        [join(DIST, 'apps/coordinator/src/main.js'), '--sweep-interval-ms', '1000'],
        { env: { ...process.env, NATS_SERVERS: nats.url, NO_COLOR: '1' } },
      );
      await group.waitForOutput(proc, /coordinator ready/, 60_000);
      coordinators.push(proc);
    }
    const watched = [nats.process, ...coordinators];
    const index = async () => (await stores.jsm.streams.info(`KV_${Buckets.activeOperations}`)).state;

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const fresh = await idleCost(watched, seconds);
    const lastSequences = async () =>
      Promise.all(
        [Buckets.operations, Buckets.activeOperations].map(async (b) => (await stores.jsm.streams.info(`KV_${b}`)).state.last_seq),
      );
    const sequencesBefore = await lastSequences();
    const started = Date.now();
    await runOperations(store, operations, Date.now().toString(36));
    const took = (Date.now() - started) / 1000;
    const written = (await lastSequences()).map((last, i) => (last - sequencesBefore[i]) / operations);
    // let the sweepers see the history once (an earlier version's delete markers are cleaned up then)
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await idleCost(watched, seconds);
    const state = await index();

    console.log(`${operations} operations created and finished in ${took.toFixed(1)} s; then ${seconds} s idle`);
    console.log(
      `KV messages written per operation (store path only, no agent): records ${written[0].toFixed(2)}, index ${written[1].toFixed(2)}` +
        ' (a filtered stream purge writes none)',
    );
    console.log(
      `active-operations index afterwards: ${state.messages} messages, ${state.num_subjects ?? 0} keys, last seq ${state.last_seq}`,
    );
    console.log(`CPU-s over ${seconds} s idle   fresh   after ${operations}`);
    const names = ['nats-server', 'coordinator-1', 'coordinator-2'];
    names.forEach((name, i) => console.log(`${name.padEnd(22)} ${fresh[i].toFixed(2).padStart(6)}   ${after[i].toFixed(2).padStart(6)}`));
  } finally {
    await nc?.close();
    await group.stopAll();
    removeDir(dir);
  }
}
