/**
 * Cluster-consistent backup (`consistency.pauseHooks`) end to end: 3 simulated nodes, 2 coordinators, a test
 * HTTP hook server started here that records every pause and resume call (time, caller, bearer token). Proves
 * the pause comes before the first node's snapshot and the resume after the last, that a coordinator killed
 * inside the pause window still leads to a resume (by the other one), that a hook that does not answer fails
 * the backup with no snapshot on any node (and the hook that did pause is resumed), and that the token shows in
 * no record, response or log.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Kvm } from '@nats-io/kv';
import { Buckets } from '@daedalus/contracts';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView } from '../support/system';
import { filesUnder } from './backup-support';

interface HookCall {
  hook: string;
  action: 'pause' | 'resume';
  /** when the hook answered (the application is paused, or resumed, from here) */
  at: number;
  authorization?: string;
  callerPid?: number;
  operationId?: string;
}

/** The application's side: answers pause and resume, except `stuck`'s pause, which never answers. */
class HookServer {
  readonly calls: HookCall[] = [];
  /** told of each pause call once it is answered (the kill test stops the caller here) */
  onPauseAnswered?: (call: HookCall) => void;
  private readonly held: ServerResponse[] = [];
  private server?: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [, hook, action] = /^\/([^/]+)\/(pause|resume)$/.exec(req.url ?? '') ?? [];
    if (!hook || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { operationId?: string };
    if (hook === 'stuck' && action === 'pause') {
      this.held.push(res); // never answered: the coordinator's timeout must give up on it
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    const call: HookCall = {
      hook,
      action: action as 'pause' | 'resume',
      at: Date.now(),
      authorization: req.headers.authorization,
      callerPid: Number(/pid (\d+)/.exec(req.headers['user-agent'] ?? '')?.[1]) || undefined,
      operationId: body.operationId,
    };
    this.calls.push(call);
    if (call.action === 'pause') this.onPauseAnswered?.(call);
  }

  of(operationId: string): HookCall[] {
    return this.calls.filter((c) => c.operationId === operationId);
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

type SnapshotResults = Record<string, { startedAt: string; takenAt: string; backupName: string }>;
type PauseWindowView = {
  state: string;
  pausedAt?: string;
  resumedAt?: string;
  lengthMs?: number;
  hooks: Record<string, { state: string; error?: string }>;
};

describe('cluster-consistent backup with application pause hooks', () => {
  let system: DaedalusSystem;
  let hooks: HookServer;
  let dir: string;
  let location: string;
  const token = `hook-token-${randomUUID()}`;

  beforeAll(async () => {
    hooks = new HookServer();
    await hooks.start();
    dir = makeTempDir('consistent');
    location = `file://${dir}/bucket`;
    const tokenFile = join(dir, 'hook.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const hooksFile = join(dir, 'hooks.json');
    const hook = (name: string, timeoutMs: number) => ({
      name,
      pauseUrl: `${hooks.base}/${name}/pause`,
      resumeUrl: `${hooks.base}/${name}/resume`,
      tokenFile,
      timeoutMs,
    });
    writeFileSync(hooksFile, JSON.stringify([hook('app', 5_000), hook('cache', 5_000), hook('stuck', 1_000)]));
    system = await DaedalusSystem.start({
      nodes: 3,
      coordinators: 2,
      nodeTimeoutMs: 8_000,
      ackWaitMs: 4_000,
      coordinatorArgs: ['--pause-hooks-file', hooksFile],
      gatewayArgs: ['--pause-hooks-file', hooksFile],
    });
    await system.createTables('shop', ['orders'], 100);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await hooks?.stop();
    if (dir) removeDir(dir);
  }, 60_000);

  const submit = async (body: Record<string, unknown>) =>
    system.post('/operations', { type: 'backup', storageLocation: location, createMissingBucket: true, ...body });

  async function snapshotDirsNamed(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for (const node of system.nodes) {
      for (const path of await filesUnder(join(node.home, 'data'))) {
        if (path.includes(`/snapshots/${prefix}`)) found.push(path);
      }
    }
    return found;
  }

  /** The token must appear nowhere a client or operator can read: the record in KV, the gateway's answers, logs. */
  async function expectTokenNowhere(operationId: string): Promise<void> {
    const nc = await system.connectNats();
    try {
      const entry = await (await new Kvm(nc).open(Buckets.operations)).get(operationId);
      expect(entry?.string() ?? '').toContain(operationId);
      expect(entry?.string()).not.toContain(token);
    } finally {
      await nc.close();
    }
    for (const path of [`/operations/${operationId}`, '/operations']) {
      const { status, body } = await system.get(path);
      expect(status).toBe(200);
      expect(JSON.stringify(body)).not.toContain(token);
    }
    for (const proc of [...system.coordinators, system.gateway]) expect(proc?.output() ?? '').not.toContain(token);
  }

  it('refuses consistency on a local backup, and a hook the configuration does not define', async () => {
    const local = await submit({ globalRequest: false, consistency: { pauseHooks: ['app'] } });
    expect(local.status).toBe(400);
    expect(JSON.stringify(local.body)).toContain('consistency');
    const unknown = await submit({ globalRequest: true, consistency: { pauseHooks: ['app', 'no-such-hook'] } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('consistency.pauseHooks[1]');
    const urlInstead = await submit({ globalRequest: true, consistency: { pauseHooks: ['http://evil.example/pause'] } });
    expect(urlInstead.status).toBe(400);
  });

  it('pauses before the first snapshot, resumes after the last, and records the window', async () => {
    const response = await submit({ globalRequest: true, snapshotTag: 'consistent', consistency: { pauseHooks: ['app', 'cache'] } });
    expect(response.status).toBe(201);
    const id = (response.body as OperationView).id;
    const operation = await system.waitForOperation(id, undefined, 180_000);
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    expect(operation.phases).toEqual(['SNAPSHOT', 'UPLOAD', 'COMMIT']);

    const calls = hooks.of(id);
    const pauses = calls.filter((c) => c.action === 'pause');
    const resumes = calls.filter((c) => c.action === 'resume');
    expect(pauses.map((c) => c.hook).sort()).toEqual(['app', 'cache']);
    expect(resumes.map((c) => c.hook).sort()).toEqual(['app', 'cache']);
    for (const call of calls) expect(call.authorization).toBe(`Bearer ${token}`);

    const snapshots = (operation.response as { SNAPSHOT: SnapshotResults }).SNAPSHOT;
    expect(Object.keys(snapshots).sort()).toEqual(system.nodes.map((n) => n.hostId).sort());
    const firstSnapshot = Math.min(...Object.values(snapshots).map((s) => Date.parse(s.startedAt)));
    const lastSnapshot = Math.max(...Object.values(snapshots).map((s) => Date.parse(s.takenAt)));
    const lastPauseAck = Math.max(...pauses.map((c) => c.at));
    const firstResume = Math.min(...resumes.map((c) => c.at));
    expect(lastPauseAck).toBeLessThanOrEqual(firstSnapshot);
    expect(firstResume).toBeGreaterThanOrEqual(lastSnapshot);

    const window = operation.pauseWindow as PauseWindowView;
    expect(window.state).toBe('RESUMED');
    expect(Object.fromEntries(Object.entries(window.hooks).map(([name, hook]) => [name, hook.state]))).toEqual({
      app: 'RESUMED',
      cache: 'RESUMED',
    });
    expect(window.lengthMs).toBe(Date.parse(window.resumedAt ?? '') - Date.parse(window.pausedAt ?? ''));
    expect(window.lengthMs).toBeGreaterThan(0);
    // the backup is a real one: every node's upload and the cluster record committed
    expect(Object.keys((operation.response as { UPLOAD: object }).UPLOAD)).toHaveLength(3);
    await expectTokenNowhere(id);
  }, 240_000);

  it('fails the backup before any snapshot when a hook does not answer, and resumes the hooks it called', async () => {
    const response = await submit({ globalRequest: true, snapshotTag: 'unanswered', consistency: { pauseHooks: ['app', 'stuck'] } });
    expect(response.status).toBe(201);
    const id = (response.body as OperationView).id;
    const operation = await system.waitForOperation(id, undefined, 120_000);
    expect(operation.state).toBe('FAILED');
    expect(operation.errors.map((e) => e.message).join(' ')).toMatch(/stuck did not answer within 1000 ms/);
    expect((operation.response as { SNAPSHOT?: unknown } | undefined)?.SNAPSHOT).toBeUndefined();
    // no node was asked to snapshot, and none did
    expect(operation.nodes.every((n) => n.state === 'PENDING')).toBe(true);
    expect(await snapshotDirsNamed('unanswered')).toEqual([]);

    // resumed: the hook that paused, and the one that timed out (it may have paused all the same)
    const window = await waitFor(
      'the pause window closed',
      async () => {
        const view = (await system.get(`/operations/${id}`)).body as OperationView;
        const w = view.pauseWindow as PauseWindowView | undefined;
        return w && w.state !== 'PAUSING' && w.state !== 'RESUMING' ? w : undefined;
      },
      60_000,
    );
    expect(window.state).toBe('RESUMED');
    expect(window.hooks.stuck.error).toMatch(/did not answer/);
    expect(
      hooks
        .of(id)
        .filter((c) => c.action === 'resume')
        .map((c) => c.hook)
        .sort(),
    ).toEqual(['app', 'stuck']);
    await expectTokenNowhere(id);
  }, 180_000);

  it('a node that stops answering during SNAPSHOT fails the backup, and the application is resumed', async () => {
    const agent = system.agents[2];
    process.kill(agent.pid, 'SIGSTOP'); // its registration is still fresh: the node is planned, then owes SNAPSHOT
    try {
      const response = await submit({ globalRequest: true, snapshotTag: 'silent', consistency: { pauseHooks: ['app'] } });
      expect(response.status).toBe(201);
      const id = (response.body as OperationView).id;
      const operation = await system.waitForOperation(id, undefined, 120_000);
      expect(operation.state).toBe('FAILED');
      expect(operation.errors.map((e) => e.message).join(' ')).toMatch(/stopped heartbeating/);
      const window = await waitFor(
        'the pause window closed',
        async () => {
          const w = ((await system.get(`/operations/${id}`)).body as OperationView).pauseWindow as PauseWindowView | undefined;
          return w && w.state === 'RESUMED' ? w : undefined;
        },
        60_000,
      );
      expect(window.hooks.app.state).toBe('RESUMED');
      const calls = hooks.of(id);
      expect(calls.map((c) => c.action)).toEqual(['pause', 'resume']);
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
    // the agent is back before the next test (it heartbeats again)
    await waitFor(
      'the agent heartbeating again',
      async () => ((await system.get('/nodes')).body as Array<{ state: string }>).every((n) => n.state === 'live'),
      60_000,
    );
  }, 240_000);

  it('a coordinator SIGKILLed inside the pause window: the other coordinator resumes the application', async () => {
    let killed: number | undefined;
    hooks.onPauseAnswered = (call) => {
      if (killed !== undefined || call.hook !== 'app') return;
      const victim = system.coordinators.find((c) => c.pid === call.callerPid);
      if (!victim) return;
      killed = victim.pid;
      void system.group.kill(victim, 'SIGKILL');
    };
    try {
      const response = await submit({ globalRequest: true, snapshotTag: 'killed', consistency: { pauseHooks: ['app'] } });
      expect(response.status).toBe(201);
      const id = (response.body as OperationView).id;
      const operation = await system.waitForOperation(id, undefined, 240_000);
      expect(killed).toBeDefined();
      expect(operation.errors).toEqual([]);
      expect(operation.state).toBe('COMPLETED');

      const calls = hooks.of(id);
      const resumes = calls.filter((c) => c.action === 'resume');
      expect(resumes.length).toBeGreaterThanOrEqual(1);
      // the resume came from the surviving coordinator, after every node's snapshot
      expect(resumes.every((c) => c.callerPid !== killed)).toBe(true);
      const snapshots = (operation.response as { SNAPSHOT: SnapshotResults }).SNAPSHOT;
      const lastSnapshot = Math.max(...Object.values(snapshots).map((s) => Date.parse(s.takenAt)));
      expect(Math.min(...resumes.map((c) => c.at))).toBeGreaterThanOrEqual(lastSnapshot);
      // and the last pause the application saw came before the first snapshot
      const firstSnapshot = Math.min(...Object.values(snapshots).map((s) => Date.parse(s.startedAt)));
      expect(Math.max(...calls.filter((c) => c.action === 'pause').map((c) => c.at))).toBeLessThanOrEqual(firstSnapshot);
      expect((operation.pauseWindow as PauseWindowView).state).toBe('RESUMED');
      await expectTokenNowhere(id);
    } finally {
      hooks.onPauseAnswered = undefined;
    }
  }, 300_000);
});
