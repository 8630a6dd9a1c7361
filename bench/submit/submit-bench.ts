/**
 * Gateway submission (issue #18): `--requests` (default 500) flushes of one table, each naming the node by
 * hostId, POSTed by `--concurrency` (default 8) clients to a system of one simulated node with its real agent,
 * one coordinator and the gateway. Prints submissions per second, the POST latency's median and p99, and the
 * JetStream messages written per operation (from each stream's last sequence before and after, once every
 * operation is finished).
 *
 * `npm run bench -- submit [--requests N] [--concurrency C]`
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Buckets, Streams } from '@daedalus/contracts';
import { DaedalusSystem, OperationView } from '../../test/support/system';

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function runSubmitBench(args: string[]): Promise<void> {
  const requests = option(args, 'requests', 500);
  const concurrency = option(args, 'concurrency', 8);
  const system = await DaedalusSystem.start({ nodes: 1, coordinators: 1 });
  try {
    await system.createTables('shop', ['orders']);
    const [node] = system.nodes;
    const nc = await system.connectNats();
    const jsm = await jetstreamManager(nc);
    const streams = [
      Streams.requests,
      Streams.commands,
      Streams.events,
      ...[Buckets.operations, Buckets.activeOperations, Buckets.nodes].map((b) => `KV_${b}`),
    ];
    const lastSequences = async () => Promise.all(streams.map(async (s) => (await jsm.streams.info(s)).state.last_seq));
    const before = await lastSequences();

    const latencies: number[] = [];
    const ids: string[] = [];
    let sent = 0;
    const started = Date.now();
    const client = async () => {
      while (sent < requests) {
        sent += 1;
        const at = process.hrtime.bigint();
        const response = await system.post('/operations', { type: 'flush', keyspace: 'shop', tables: ['orders'], hostId: node.hostId });
        latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
        if (response.status !== 201) throw new Error(`POST /operations answered ${response.status}: ${JSON.stringify(response.body)}`);
        ids.push((response.body as OperationView).id);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    const seconds = (Date.now() - started) / 1000;
    for (const id of ids) {
      const done = await system.waitForOperation(id, undefined, 300_000);
      if (done.state !== 'COMPLETED') throw new Error(`operation ${id} ended ${done.state}`);
    }
    // registrations are rewritten by heartbeats whatever runs: counted apart
    const after = await lastSequences();
    await nc.close();

    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `${requests} submissions by ${concurrency} clients in ${seconds.toFixed(1)} s: ${(requests / seconds).toFixed(0)} per second`,
    );
    console.log(`POST latency: median ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`);
    const perOperation = streams.map((s, i) => `${s} ${((after[i] - before[i]) / requests).toFixed(2)}`);
    const total = streams.slice(0, 5).reduce((sum, _, i) => sum + after[i] - before[i], 0) / requests;
    console.log(`JetStream messages written per operation: ${total.toFixed(2)} (without heartbeats); ${perOperation.join(', ')}`);
  } finally {
    await system.stop();
  }
}
