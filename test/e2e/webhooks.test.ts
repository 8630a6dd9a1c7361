/**
 * Webhooks on operations' final states (issue #14 "Notifications"), on a real system with two coordinators
 * given the same --webhooks-file: a receiver started here (a free port, closed in afterAll) gets a COMPLETED
 * backup and a FAILED flush exactly once per webhook, each signed (HMAC-SHA256 over "<t>.<body>"); a receiver
 * that fails twice gets the delivery on the third attempt and the record shows the attempts; the Slack format
 * is Slack's `{text}`; the signing secret is in no record and no log. A coordinator SIGKILLed while its receiver
 * is failing: the other coordinator takes the delivery over when its lease runs out (`--webhook-lease-ms`) and,
 * the receiver back, delivers it once; the attempts stay bounded and the record shows them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyWebhookSignature } from '../../apps/coordinator/src/notifications/webhook-signature';
import { makeTempDir, removeDir, sleep, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup, runOperation } from './backup-support';
import { readRequestBody } from '../support/request-body';

const SECRET = 'whsec-e2e-4f1c9a7b2d3e5f60';

interface Received {
  path: string;
  delivery: string;
  signature: string;
  body: string;
  status: number;
}

interface Delivery {
  id: string;
  webhook: string;
  state: string;
  attempts: number;
  lastError?: string;
}

describe('webhooks on final states, two coordinators', () => {
  let dir: string;
  let storeRoot: string;
  let system: DaedalusSystem;
  let receiver: Server;
  const received: Received[] = [];
  /** /flaky answers 503 to the first two attempts of each delivery */
  const flakyAttempts = new Map<string, number>();
  /** /down answers 500 while this is true */
  let downFailing = true;

  beforeAll(async () => {
    dir = makeTempDir('webhooks');
    storeRoot = makeTempDir('webhooks-store');
    receiver = createServer((req, res) => {
      void readRequestBody(req).then((body) => {
        const path = req.url ?? '';
        const delivery = String(req.headers['x-daedalus-delivery'] ?? '');
        let status = 200;
        if (path === '/flaky') {
          const seen = (flakyAttempts.get(delivery) ?? 0) + 1;
          flakyAttempts.set(delivery, seen);
          if (seen <= 2) status = 503;
        }
        if (path === '/down' && downFailing) status = 500;
        received.push({ path, delivery, signature: String(req.headers['x-daedalus-signature'] ?? ''), body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'webhook-secret'), `${SECRET}\n`);
    const webhooks = [
      { name: 'all', url: `${base}/all`, secretFile: join(dir, 'webhook-secret'), events: ['operation.final'] },
      { name: 'flaky', url: `${base}/flaky`, secretFile: join(dir, 'webhook-secret'), events: ['operation.final'], types: ['backup'] },
      {
        name: 'chat',
        url: `${base}/slack`,
        secretFile: join(dir, 'webhook-secret'),
        events: ['operation.final'],
        format: 'slack',
        types: ['flush'],
      },
      { name: 'down', url: `${base}/down`, secretFile: join(dir, 'webhook-secret'), events: ['operation.final'], types: ['cleanup'] },
    ];
    writeFileSync(join(dir, 'webhooks.json'), JSON.stringify(webhooks));
    system = await DaedalusSystem.start({
      nodes: 1,
      coordinators: 2,
      baseDir: join(dir, 'system'),
      // a short lease: the takeover below happens within seconds of the SIGKILL
      coordinatorArgs: ['--webhooks-file', join(dir, 'webhooks.json'), '--webhook-lease-ms', '4000'],
    });
    await system.createTables('shop', ['orders'], 50);
    await system.simOf(system.nodes[0]).generateSSTables('shop', 'orders', 1, 64 * 1024);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    if (dir) removeDir(dir);
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  const notificationsOf = async (id: string): Promise<Delivery[]> => {
    const reply = await system.get(`/operations/${id}`);
    return ((reply.body as OperationView).notifications as Delivery[] | undefined) ?? [];
  };

  it('delivers each final state once per webhook, signed, retried when refused, and shows it in the record', async () => {
    const { operation: backup } = await runBackup(system, {
      storageLocation: `file://${storeRoot}/bucket`,
      snapshotTag: 'hooked',
      createMissingBucket: true,
    });
    expect(backup.errors).toEqual([]);
    expect(backup.state).toBe('COMPLETED');
    // a flush in a data center without nodes: FAILED by the coordinator
    const flush = await runOperation(system, { type: 'flush', keyspace: 'shop', globalRequest: true, dc: 'dc9' });
    expect(flush.state).toBe('FAILED');

    // every delivery settles in the records: two for the backup (all, flaky), two for the flush (all, chat)
    const settled = async (id: string, count: number) => {
      const deliveries = await notificationsOf(id);
      return deliveries.length === count && deliveries.every((d) => d.state === 'delivered') ? deliveries : undefined;
    };
    const backupDeliveries = await waitFor('the backup delivered', () => settled(backup.id, 2), 60_000);
    const flushDeliveries = await waitFor('the flush delivered', () => settled(flush.id, 2), 60_000);
    // one more retry period: a second coordinator's copy, or a redelivered event, would arrive by now
    await sleep(3_000);

    expect(backupDeliveries.find((d) => d.webhook === 'flaky')).toMatchObject({ id: `${backup.id}.COMPLETED.r0.flaky`, attempts: 3 });
    expect(backupDeliveries.find((d) => d.webhook === 'all')).toMatchObject({ attempts: 1 });
    expect(flushDeliveries.map((d) => d.webhook).sort()).toEqual(['all', 'chat']);

    // the /all receiver: exactly one request per final state, each validly signed, with the operation's summary
    const all = received.filter((r) => r.path === '/all');
    expect(all.map((r) => r.delivery).sort()).toEqual([`${backup.id}.COMPLETED.r0.all`, `${flush.id}.FAILED.r0.all`].sort());
    for (const request of all) {
      expect(verifyWebhookSignature(SECRET, request.signature, request.body, Date.now() / 1000)).toBe(true);
      expect(verifyWebhookSignature('not-the-secret-at-all', request.signature, request.body, Date.now() / 1000)).toBe(false);
    }
    const bodies = all.map((r) => JSON.parse(r.body) as { event: string; operation: { id: string; state: string; type: string } });
    expect(bodies.map((b) => [b.event, b.operation.type, b.operation.state]).sort()).toEqual([
      ['operation.final', 'backup', 'COMPLETED'],
      ['operation.final', 'flush', 'FAILED'],
    ]);

    // /flaky: refused twice, taken the third time, the same delivery id each time
    const flaky = received.filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => [r.delivery, r.status])).toEqual([
      [`${backup.id}.COMPLETED.r0.flaky`, 503],
      [`${backup.id}.COMPLETED.r0.flaky`, 503],
      [`${backup.id}.COMPLETED.r0.flaky`, 200],
    ]);

    // the Slack format: only `text`, naming the operation and its state; the flush only (types: [flush])
    const slack = received.filter((r) => r.path === '/slack');
    expect(slack).toHaveLength(1);
    const text = JSON.parse(slack[0].body) as Record<string, unknown>;
    expect(Object.keys(text)).toEqual(['text']);
    expect(text.text).toContain(`flush \`${flush.id}\` FAILED`);
    expect(verifyWebhookSignature(SECRET, slack[0].signature, slack[0].body, Date.now() / 1000)).toBe(true);

    // the secret: in no record, no log
    const records = JSON.stringify([await system.get(`/operations/${backup.id}`), await system.get(`/operations/${flush.id}`)]);
    expect(records).not.toContain(SECRET);
    const logs = join(system.baseDir, 'logs');
    for (const name of readdirSync(logs)) expect(readFileSync(join(logs, name), 'utf8')).not.toContain(SECRET);
  });

  it('a coordinator SIGKILLed while its receiver fails: the other takes the delivery over and delivers it once', async () => {
    // only coordinator 1 runs when the operation ends: the delivery is its own
    await system.group.kill(system.coordinators[1], 'SIGTERM');
    const cleanup = await runOperation(system, { type: 'cleanup', keyspace: 'shop', globalRequest: true });
    expect(cleanup.state).toBe('COMPLETED');
    const id = `${cleanup.id}.COMPLETED.r0.down`;
    const toDown = () => received.filter((r) => r.path === '/down' && r.delivery === id);
    await waitFor('two refused attempts', () => toDown().length >= 2, 30_000);
    await system.group.kill(system.coordinators[0], 'SIGKILL');
    const beforeKill = toDown().length;
    expect(toDown().every((r) => r.status === 500)).toBe(true);
    const pending = (await notificationsOf(cleanup.id)).find((d) => d.webhook === 'down');
    expect(pending).toMatchObject({ id, state: 'pending' });

    // the receiver recovers; coordinator 2 starts, finds the lease run out, and goes on
    downFailing = false;
    await system.startCoordinator(1);
    const delivered = await waitFor(
      'the delivery taken over and delivered',
      async () => (await notificationsOf(cleanup.id)).find((d) => d.webhook === 'down' && d.state === 'delivered'),
      60_000,
    );
    // one more lease and retry period: a second copy would arrive by now
    await sleep(6_000);
    const all = toDown();
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    expect(all.length).toBeGreaterThan(beforeKill); // the delivery went on after the kill: the new coordinator sent it
    expect(all.length).toBeLessThanOrEqual(5 + 1); // bounded: 5 attempts, plus one a dead coordinator made but could not count
    // the record counts every attempt it was told of: the ones refused before the kill and the one delivered
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(delivered.attempts).toBeLessThanOrEqual(all.length);
    expect(verifyWebhookSignature(SECRET, all[all.length - 1].signature, all[all.length - 1].body, Date.now() / 1000)).toBe(true);
    // the other webhooks of the operation: once each
    expect(received.filter((r) => r.path === '/all' && r.delivery === `${cleanup.id}.COMPLETED.r0.all`)).toHaveLength(1);
  }, 180_000);
});
