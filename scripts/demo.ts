/**
 * `npm run demo`: brings up the whole system on embedded defaults — a local nats-server, three simulated
 * Cassandra 4.1 nodes (real JMX, real data directories), one agent per node, two coordinators and the
 * gateway — then drives it through the gateway's REST API the way an operator would: a flush, a global
 * backup to a local-file store, more writes, and a restore that brings the backed-up content back.
 * Stays up for you to explore (Ctrl-C stops everything) unless DEMO_EXIT=1.
 */
import { join } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { DaedalusSystem, OperationView, REPO_ROOT } from '../test/support/system';
import { newToken } from '../apps/gateway/src/auth/token-file';

function show(title: string, value: unknown): void {
  console.log(`\n== ${title}\n${JSON.stringify(value, null, 2)}`);
}

async function runOperation(system: DaedalusSystem, body: Record<string, unknown>): Promise<OperationView> {
  console.log(
    `\n$ curl -XPOST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' ${system.gatewayUrl}/operations -d '${JSON.stringify(body)}'`,
  );
  const created = await system.post('/operations', body);
  if (created.status !== 201) throw new Error(`gateway answered ${created.status}: ${JSON.stringify(created.body)}`);
  const id = (created.body as OperationView).id;
  const done = await system.waitForOperation(id, undefined, 120_000);
  show(`operation ${id} (${done.type}) ${done.state}`, {
    state: done.state,
    progress: done.progress,
    errors: done.errors,
    nodes: done.nodes.map((n) => `${n.hostId} ${n.address} ${n.state}`),
  });
  return done;
}

async function main(): Promise<void> {
  const baseDir = join(REPO_ROOT, '.tmp', 'demo');
  rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(baseDir, { recursive: true });
  console.log(`starting nats-server, 3 simulated Cassandra nodes, 3 agents, 2 coordinators and the gateway (files in ${baseDir}) ...`);
  // the gateway wants credentials: one admin API token, its hash in a tokens file (the demo's curl lines use it)
  const { token, line } = newToken('demo', 'admin');
  const tokensFile = join(baseDir, 'api-tokens');
  writeFileSync(tokensFile, `${line}\n`, { mode: 0o600 });
  const system = await DaedalusSystem.start({
    nodes: 3,
    coordinators: 2,
    baseDir,
    gatewayArgs: ['--api-tokens-file', tokensFile],
    gatewayAuth: { anonymousRole: false, token },
  });
  console.log(`\nAPI token (admin, hashed in ${tokensFile}):\nTOKEN=${token}`);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping every process ...');
    await system.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    show('GET /topology', (await system.get('/topology')).body);
    await system.createTables('shop', ['orders', 'customers'], 200);
    console.log('\ncreated keyspace shop (orders, customers) and wrote 200 rows per table on each node');

    const flush = await runOperation(system, { type: 'flush', keyspace: 'shop', globalRequest: true });
    if (flush.state !== 'COMPLETED') throw new Error('flush did not complete');

    const checksums = async () =>
      Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum('shop', 'orders'))));
    const backedUp = await checksums();
    const storageLocation = `file://${join(baseDir, 'backups')}/bucket`;
    const backup = await runOperation(system, {
      type: 'backup',
      globalRequest: true,
      storageLocation,
      snapshotTag: 'demo',
      createMissingBucket: true,
    });
    if (backup.state !== 'COMPLETED') throw new Error('backup did not complete');
    show(
      `GET /backups?storageLocation=${storageLocation}`,
      (await system.get(`/backups?storageLocation=${encodeURIComponent(storageLocation)}`)).body,
    );

    for (const node of system.nodes) {
      await system.simOf(node).writeRows('shop', 'orders', 500, 42);
    }
    await runOperation(system, { type: 'flush', keyspace: 'shop', globalRequest: true });
    console.log(
      `\nwrote 500 more rows per node into shop.orders: checksums changed: ${JSON.stringify(backedUp)} -> ${JSON.stringify(await checksums())}`,
    );

    const restore = await runOperation(system, {
      type: 'restore',
      globalRequest: true,
      storageLocation,
      snapshotTag: 'demo',
      entities: 'shop.orders',
    });
    if (restore.state !== 'COMPLETED') throw new Error('restore did not complete');
    const restored = await checksums();
    console.log(
      `\nafter the restore, shop.orders checksums per node: ${JSON.stringify(restored)} — ${JSON.stringify(restored) === JSON.stringify(backedUp) ? 'identical to the backup' : 'DIFFERENT from the backup'}`,
    );
    if (JSON.stringify(restored) !== JSON.stringify(backedUp)) throw new Error('restored content differs from the backup');

    console.log(`\nGateway: ${system.gatewayUrl}  (Swagger UI ${system.gatewayUrl}/api-docs, AsyncAPI ${system.gatewayUrl}/asyncapi.json)`);
    console.log(`NATS:    ${system.nats.url}   logs: ${join(baseDir, 'logs')}`);
    if (process.env.DEMO_EXIT === '1' || process.env.CI) return stop(0);
    console.log('\nThe system stays up: try the curl commands above. Ctrl-C stops every process.');
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

void main();
