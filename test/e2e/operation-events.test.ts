/**
 * Live progress over Server-Sent Events (`GET /operations/{id}/events`, `GET /events`) on a simulated 2-node
 * cluster with a file store and API tokens: a client sees every revision of a restore's record in order,
 * disconnects mid-way and resumes with Last-Event-ID without losing or repeating one (checked against the
 * revisions the KV bucket holds); `/events?type=backup` sees a backup reach COMPLETED and nothing else; the
 * refusals (401, 404, 400 naming the field, 503 past the stream cap) and the heartbeats.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { NatsConnection } from '@nats-io/transport-node';
import { Buckets, OperationRecord } from '@daedalus/contracts';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, removeDir } from '../support/processes';
import { SseConnection } from '../support/sse-client';
import { DaedalusSystem, OperationView } from '../support/system';
import { runBackup } from './backup-support';

const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED'];
const MAX_STREAMS = 4;

interface Seen {
  revision: number;
  view: OperationView;
}

describe('operation events (SSE)', () => {
  let system: DaedalusSystem;
  let nc: NatsConnection;
  let storeRoot: string;
  let authDir: string;
  let location: string;
  let backupName: string;
  const admin = newToken('events-admin', 'admin');
  const viewer = newToken('events-viewer', 'viewer');
  const asViewer = { authorization: `Bearer ${viewer.token}` };

  const open = (path: string, headers: Record<string, string> = asViewer) => SseConnection.open(`${system.gatewayUrl}${path}`, headers);

  /** Reads `operation` events until the server ends the stream or `stopAfter` says stop; fails on any other event. */
  async function collect(stream: SseConnection, stopAfter: (seen: Seen[]) => boolean = () => false): Promise<Seen[]> {
    const seen: Seen[] = [];
    for (;;) {
      const event = await stream.nextEvent(90_000);
      if (!event) return seen;
      expect(event.event).toBe('operation');
      seen.push({ revision: Number(event.id), view: JSON.parse(event.data) as OperationView });
      if (stopAfter(seen)) return seen;
    }
  }

  /** The record's revisions as the operations bucket keeps them (oldest first). */
  async function keptRevisions(id: string): Promise<Array<{ revision: number; record: OperationRecord }>> {
    const kv = await new Kvm(nc).open(Buckets.operations);
    const out: Array<{ revision: number; record: OperationRecord }> = [];
    for await (const entry of await kv.history({ key: id })) {
      if (entry.operation === 'PUT') out.push({ revision: entry.revision, record: entry.json<OperationRecord>() });
    }
    return out;
  }

  async function currentRevision(id: string): Promise<number> {
    const entry = await (await new Kvm(nc).open(Buckets.operations)).get(id);
    return entry?.revision ?? 0;
  }

  beforeAll(async () => {
    storeRoot = makeTempDir('events-store');
    location = `file://${storeRoot}/bucket`;
    authDir = makeTempDir('events-auth');
    const tokensFile = join(authDir, 'api-tokens');
    writeFileSync(tokensFile, `${admin.line}\n${viewer.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      gatewayAuth: { anonymousRole: false, token: admin.token },
      gatewayArgs: ['--api-tokens-file', tokensFile, '--events-heartbeat-ms', '300', '--events-max-streams', String(MAX_STREAMS)],
    });
    nc = await system.connectNats();
    await system.createTables('shop', ['orders', 'bulk'], 60);
    // 1 MiB per node that a restore throttled to 256 KiB/s takes seconds to download: time to disconnect mid-way
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'bulk', 2, 512 * 1024);
    const backup = await runBackup(system, { storageLocation: location, snapshotTag: 'events', createMissingBucket: true });
    expect(backup.operation.state).toBe('COMPLETED');
    backupName = backup.backupName;
  }, 240_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
    if (authDir) removeDir(authDir);
  }, 60_000);

  it('shows every revision of a restore in order, and resumes after a disconnect without losing or repeating one', async () => {
    const submitted = await system.post('/operations', {
      type: 'restore',
      storageLocation: location,
      snapshotTag: backupName,
      globalRequest: true,
      entities: 'shop.orders,shop.bulk',
      restorationStrategyType: 'HARDLINKS',
      bandwidth: { value: 256, unit: 'KBPS' },
    });
    expect(submitted.status).toBe(201);
    const id = (submitted.body as OperationView).id;

    // first connection: until the restore is RUNNING with some progress, then the client goes away
    const first = await open(`/operations/${id}/events`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const before = await collect(first, (seen) => seen.some((s) => s.view.state === 'RUNNING' && s.view.progress > 0));
    first.close();
    const lastSeen = before[before.length - 1];
    expect(FINAL).not.toContain(lastSeen.view.state);

    // the record moves on while nobody listens (or the restore ends)
    const deadline = Date.now() + 60_000;
    while ((await currentRevision(id)) < lastSeen.revision + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await currentRevision(id)).toBeGreaterThanOrEqual(lastSeen.revision + 2);

    const second = await open(`/operations/${id}/events`, { ...asViewer, 'last-event-id': String(lastSeen.revision) });
    expect(second.status).toBe(200);
    const after = await collect(second); // the server ends the stream after the final revision
    const all = [...before, ...after];

    // in order, none twice, the resumed part starting right after the last one seen
    const revisions = all.map((s) => s.revision);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0].revision).toBeGreaterThan(lastSeen.revision);

    // exactly the revisions the bucket holds, each showing that revision's record
    const kept = await keptRevisions(id);
    expect(kept.length).toBeLessThan(64); // so nothing was dropped: every revision is kept
    expect(revisions).toEqual(kept.map((k) => k.revision));
    for (const [i, k] of kept.entries()) {
      expect(all[i].view.state).toBe(k.record.state);
      expect(all[i].view.progress).toBe(k.record.progress);
      expect(all[i].view.phase).toBe(k.record.phase);
    }
    expect(all[0].view.state).toBe('PENDING');
    const states = all.map((s) => s.view.state).filter((s, i, list) => i === 0 || list[i - 1] !== s);
    expect(states).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const phases = all.map((s) => s.view.phase).filter((p, i, list) => p !== undefined && list[i - 1] !== p);
    expect(phases).toEqual(['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
    // progress changes were streamed, and never went backwards within a phase
    expect(new Set(all.map((s) => s.view.progress)).size).toBeGreaterThan(3);

    // the last event is the record GET answers
    const final = await system.get(`/operations/${id}`);
    expect(all[all.length - 1].view).toEqual(final.body);

    // a client that already has the final revision is told there is nothing more (204: EventSource stops)
    const again = await open(`/operations/${id}/events`, { ...asViewer, 'last-event-id': String(lastSeen.revision + 10_000) });
    expect(again.status).toBe(204);
    // without Last-Event-ID the whole kept history is replayed, then the stream ends
    const replay = await collect(await open(`/operations/${id}/events`));
    expect(replay.map((s) => s.revision)).toEqual(revisions);
  }, 240_000);

  it('/events?type=backup sees a backup go to COMPLETED and no other type', async () => {
    const stream = await open('/events?type=backup');
    expect(stream.status).toBe(200);
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    expect(flush.status).toBe(201);
    const submitted = await system.post('/operations', {
      type: 'backup',
      storageLocation: location,
      snapshotTag: 'events-live',
      globalRequest: true,
    });
    expect(submitted.status).toBe(201);
    const id = (submitted.body as OperationView).id;
    const seen = await collect(stream, (all) => all.some((s) => s.view.id === id && FINAL.includes(s.view.state)));
    stream.close();
    expect(seen.every((s) => s.view.type === 'backup')).toBe(true);
    const ofBackup = seen.filter((s) => s.view.id === id);
    expect(ofBackup[ofBackup.length - 1].view.state).toBe('COMPLETED');
    expect(ofBackup.map((s) => s.view.state)).toContain('RUNNING');
    await system.waitForOperation((flush.body as OperationView).id);
  }, 120_000);

  it('sends heartbeats, and refuses what it must naming the field', async () => {
    // a stream with nothing to say still sends comment lines
    const quiet = await open('/events?type=drain');
    const frame = await quiet.next(10_000);
    expect(frame).toEqual({ comment: 'heartbeat' });
    quiet.close();

    const anonymous = await open('/events', {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await open('/operations/00000000-0000-4000-8000-000000000000/events', {})).status).toBe(401);

    const unknown = await open('/operations/00000000-0000-4000-8000-000000000000/events');
    expect(unknown.status).toBe(404);
    expect(unknown.errorBody).toMatchObject({ errors: [{ field: 'id' }] });
    expect((await open('/operations/not-an-id/events')).status).toBe(404);

    const badType = await open('/events?type=nonsense');
    expect(badType.status).toBe(400);
    expect(badType.errorBody).toMatchObject({ errors: [{ field: 'type' }] });
    expect((await open('/events?state=DONE')).errorBody).toMatchObject({ errors: [{ field: 'state' }] });
    expect((await open('/events?since=1')).errorBody).toMatchObject({ errors: [{ field: 'since' }] });
    const badId = await open('/events', { ...asViewer, 'last-event-id': 'abc' });
    expect(badId.status).toBe(400);
    expect(badId.errorBody).toMatchObject({ errors: [{ field: 'Last-Event-ID' }] });

    // HEAD: the headers of a stream, at once, and no slot held
    const head = await fetch(`${system.gatewayUrl}/events`, { method: 'HEAD', headers: asViewer, signal: AbortSignal.timeout(10_000) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);

    // the cap: MAX_STREAMS open streams, the next one is 503 with Retry-After; a slot comes back on disconnect
    const held: SseConnection[] = [];
    for (let i = 0; i < MAX_STREAMS; i += 1) {
      const stream = await open('/events');
      expect(stream.status).toBe(200);
      held.push(stream);
    }
    const refused = await open('/events');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    held.pop()?.close();
    let reopened: SseConnection | undefined;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      reopened = await open('/events');
      if (reopened.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(reopened?.status).toBe(200);
    reopened?.close();
    for (const stream of held) stream.close();
  }, 60_000);

  it('resumes /events after a Last-Event-ID with what was written since', async () => {
    const stream = await open('/events?type=flush');
    const flush = await system.post('/operations', { type: 'flush', keyspace: 'shop', globalRequest: true });
    const id = (flush.body as OperationView).id;
    const first = await collect(stream, (seen) => seen.length >= 1);
    stream.close();
    await system.waitForOperation(id);
    const resumed = await open('/events?type=flush', { ...asViewer, 'last-event-id': String(first[0].revision) });
    const rest = await collect(resumed, (seen) => seen.some((s) => s.view.id === id && s.view.state === 'COMPLETED'));
    resumed.close();
    const all = [...first, ...rest].filter((s) => s.view.id === id);
    expect(all.map((s) => s.revision)).toEqual((await keptRevisions(id)).map((k) => k.revision));
  }, 60_000);
});
