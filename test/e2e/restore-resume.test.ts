/**
 * Restores that finish on a real node, or fail loudly with the way out: an agent SIGKILLed during IMPORT and
 * started again finishes the restore (the coordinator waits out its silence, JetStream redelivers the command),
 * a restore that FAILED after TRUNCATE is resumed with POST /operations/{id}/resume — each without a second
 * truncate, content equal to the backup (simulator checksum) — and a table created a moment ago is accepted
 * by the gateway before any heartbeat told it about the table.
 */
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { Headers, MessageIds, ResumeOperationMessage, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup } from './backup-support';

const KS = 'shop';
const TABLES = ['orders', 'customers'];

describe('restore resume and recovery', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let location: string;
  let backupName: string;
  /** content of each table on each node at backup time: atBackup[table][nodeIndex] */
  const atBackup: Record<string, string[]> = {};

  const checksums = async (table: string) =>
    Promise.all(system.nodes.map(async (node) => String(await system.simOf(node).checksum(KS, table))));
  /** how often Cassandra (the simulator) truncated the table on each node, kept over restarts */
  const truncations = async (table: string) =>
    Promise.all(system.nodes.map(async (node) => Number(await system.simOf(node).truncationCount(KS, table))));

  async function writeMore(table: string): Promise<void> {
    for (const node of system.nodes) {
      await system.simOf(node).writeRows(KS, table, 60, 5000 + node.index);
    }
    const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    expect((await system.waitForOperation((flush.body as OperationView).id)).state).toBe('COMPLETED');
    expect(await checksums(table)).not.toEqual(atBackup[table]);
  }

  async function submitRestore(body: Record<string, unknown>): Promise<string> {
    const response = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      ...body,
    });
    if (response.status !== 201) throw new Error(`restore refused: ${response.status} ${JSON.stringify(response.body)}`);
    return (response.body as OperationView).id;
  }

  const nodeEntry = (op: OperationView, hostId: string) => op.nodes.find((n) => n.hostId === hostId);

  beforeAll(async () => {
    storeRoot = makeTempDir('resume-store');
    location = `file://${storeRoot}/bucket`;
    // one coordinator is enough here (failover is tested elsewhere) and spares the 2 shared cores
    system = await DaedalusSystem.start({ nodes: 2, coordinators: 1, nodeTimeoutMs: 10_000 });
    await system.createTables(KS, TABLES, 120);
    const flush = await system.post('/operations', { type: 'flush', keyspace: KS, globalRequest: true });
    await system.waitForOperation((flush.body as OperationView).id);
    for (const table of TABLES) atBackup[table] = await checksums(table);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'base', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  it('finishes the restore when an agent is SIGKILLed during IMPORT and started again, truncating once', async () => {
    const victim = system.nodes[1];
    await writeMore('orders');
    const truncatedBefore = await truncations('orders');
    // the victim's import waits 120 s before touching anything: the agent is killed while it waits, so only the
    // restarted agent's own import can bring the data back before that (asserted below)
    const delayMs = 120_000;
    await system.simOf(victim).delayNextImports(KS, 'orders', delayMs);
    const id = await submitRestore({ entities: 'shop.orders' });
    await system.waitForOperation(id, (op) => op.phase === 'IMPORT' && nodeEntry(op, victim.hostId)?.state === 'RUNNING', 90_000);
    // the agent reads the table's state before it imports: kill it only once Cassandra has its import call
    await waitFor(
      "the victim's import call",
      async () => ((await system.simOf(victim).delayedImports(KS, 'orders')) > 0 ? true : undefined),
      60_000,
    );
    await system.group.kill(system.agents[victim.index], 'SIGKILL');
    const killedAt = Date.now();

    // past --node-timeout-ms (10 s) the sweeper would fail the node; after TRUNCATE it waits (grace) instead
    const waiting = await system.waitForOperation(
      id,
      (op) => /waits up to \d+ s for it to come back/.test(nodeEntry(op, victim.hostId)?.message ?? ''),
      45_000,
    );
    expect(waiting.state).toBe('RUNNING');
    expect(nodeEntry(waiting, victim.hostId)?.state).toBe('RUNNING');

    await system.startAgent(victim);
    const done = await system.waitForOperation(id, undefined, 100_000);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(done.resumeCount).toBeUndefined(); // finished by the restarted agent, no resume needed
    // before the killed agent's import call would even have started to import
    expect(Date.parse(String(done.completionTime))).toBeLessThan(killedAt + delayMs);
    expect(await checksums('orders')).toEqual(atBackup.orders);
    const truncatedAfter = await truncations('orders');
    expect(truncatedAfter.map((count, i) => count - truncatedBefore[i])).toEqual([1, 1]);
  }, 360_000);

  it('resumes a restore that FAILED after TRUNCATE: completes without a second truncate', async () => {
    const victim = system.nodes[0];
    await writeMore('customers');
    const truncatedBefore = await truncations('customers');
    // every one of the agent's 3 import attempts fails on the victim
    await system.simOf(victim).failNextImports(KS, 'customers', 3);
    const id = await submitRestore({ entities: 'shop.customers', restorationStrategyType: 'IMPORT' });
    const failed = await system.waitForOperation(id, undefined, 120_000);
    expect(failed.state).toBe('FAILED');
    expect(failed.phase).toBe('IMPORT');
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0].source).toBe(`${victim.hostId} (${victim.address})`);
    expect(failed.errors[0].message).toContain(`POST /operations/${id}/resume`);
    expect((await truncations('customers')).map((count, i) => count - truncatedBefore[i])).toEqual([1, 1]);
    // the victim's table really is empty now: only the resume brings its data back
    expect(Number(await system.simOf(victim).rowCount(KS, 'customers'))).toBe(0);

    const resume = await system.post(`/operations/${id}/resume`, undefined);
    expect(resume.status).toBe(202);
    expect(resume.headers.get('location')).toBe(`/operations/${id}`);
    const done = await system.waitForOperation(
      id,
      (op) => Number(op.resumeCount ?? 0) >= 1 && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state),
      120_000,
    );
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('COMPLETED');
    expect(done.resumeCount).toBe(1);
    expect(done.previousErrors).toEqual([{ ...failed.errors[0], run: 0 }]);
    expect(await checksums('customers')).toEqual(atBackup.customers);
    expect((await truncations('customers')).map((count, i) => count - truncatedBefore[i])).toEqual([1, 1]);

    // a finished operation cannot be resumed; an unknown one does not exist
    const again = await system.post(`/operations/${id}/resume`, undefined);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('is COMPLETED: only a FAILED operation can be resumed');
    expect((await system.post(`/operations/${randomUUID()}/resume`, undefined)).status).toBe(404);
    expect((await system.post('/operations/not-an-id/resume', undefined)).status).toBe(404);

    // a direct NATS client gets its refusal in the record
    const nc = await system.connectNats();
    try {
      const message: ResumeOperationMessage = {
        schemaVersion: SCHEMA_VERSION,
        operationId: id,
        resumeCount: 1,
        requestedAt: new Date().toISOString(),
      };
      const h = headers();
      h.set(Headers.schemaVersion, SCHEMA_VERSION);
      await jetstream(nc).publish(Subjects.resume, JSON.stringify(message), { msgID: MessageIds.resume(id, 1), headers: h });
    } finally {
      await nc.close();
    }
    const refused = await system.waitForOperation(id, (op) => op.resumeRefused !== undefined, 30_000);
    expect(refused.state).toBe('COMPLETED');
    expect(refused.resumeRefused).toEqual({
      at: expect.any(String),
      reason: expect.stringContaining('is COMPLETED: only a FAILED operation can be resumed'),
    });
  }, 300_000);

  it('accepts a restore renamed to, and a flush naming, a table created a moment ago', async () => {
    // The registrations learn a new table at a heartbeat (every second here), and the other simulated node
    // sees the new schema up to 200 ms later (as Cassandra propagates it): the gateway must not refuse it
    // meanwhile. Up to three tries, for the rare one where a heartbeat lands between creating and posting.
    let table = '';
    let restoreId = '';
    for (let attempt = 1; attempt <= 3 && !restoreId; attempt++) {
      table = `fresh_${attempt}_${Date.now() % 100_000}`;
      await system.simOf(system.nodes[0]).createTable(KS, table);
      const restore = await system.post('/operations', {
        type: 'restore',
        storageLocation: location,
        snapshotTag: backupName,
        globalRequest: true,
        entities: 'shop.orders',
        rename: { 'shop.orders': `shop.${table}` },
      });
      expect({ status: restore.status, body: restore.status === 201 ? undefined : restore.body }).toEqual({ status: 201, body: undefined });
      const flush = await system.post('/operations', { type: 'flush', keyspace: KS, tables: [table], globalRequest: true });
      expect(flush.status).toBe(201);
      expect((await system.waitForOperation((flush.body as OperationView).id)).state).toBe('COMPLETED');
      const id = (restore.body as OperationView).id;
      expect((await system.waitForOperation(id, undefined, 120_000)).state).toBe('COMPLETED');
      const liveCheck = system.gateway
        .output()
        .split('\n')
        .find((line) => line.includes(`target table shop.${table} does not exist`));
      if (liveCheck && /live in \d+ round\(s\), all found/.test(liveCheck)) restoreId = id;
    }
    // the gateway did not know the table from the registrations and found it by asking the nodes
    expect(restoreId).not.toBe('');
    // the restore put the backup's orders into the new table
    expect(await checksums(table)).toEqual(atBackup.orders);
    // still a 400 naming the field for a table that exists nowhere, after asking
    const missing = await system.post('/operations', { type: 'flush', keyspace: KS, tables: ['never_created'], globalRequest: true });
    expect(missing.status).toBe(400);
    expect((missing.body as { errors: unknown[] }).errors).toEqual([
      { field: 'tables', message: 'table never_created does not exist in keyspace shop' },
    ]);
    await waitFor(
      'the gateway log of the live check',
      () =>
        system.gateway
          .output()
          .includes('table never_created does not exist in keyspace shop): asked 2 node(s) live in 1 round(s), still refused'),
      5_000,
    );
  }, 300_000);
});
