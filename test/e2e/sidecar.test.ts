/**
 * The sidecar deployment (apps/sidecar, started through the image's entrypoint deploy/docker/daedalus): one
 * process per Cassandra node running its agent and the gateway, sharing NATS and the coordinators with the
 * other nodes. A backup asked of the sidecar's port without hostId/globalRequest runs on its own node only;
 * when one half dies, the sidecar does not stay half alive.
 */
import { dirname, join } from 'node:path';
import { freePort, makeTempDir, ManagedProcess, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView, REPO_ROOT } from '../support/system';
import { filesUnder } from './backup-support';

jest.setTimeout(240_000);

const CLUSTER = 'daedalus-test';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Sidecar {
  sidecar: ManagedProcess;
  /** pids of its two halves, `agent` and `gateway` */
  pids: Record<string, number>;
  url: string;
}

/** Starts node 0's sidecar through the image's entrypoint, with the environment the system gives an agent. */
async function startSidecar(sys: DaedalusSystem): Promise<Sidecar> {
  const port = await freePort();
  const node = sys.nodes[0];
  const env = sys.environmentOf({ kind: 'agent', node });
  const sidecar = sys.group.start(
    'sidecar-1',
    'sh',
    [
      join(REPO_ROOT, 'deploy/docker/daedalus'),
      'sidecar',
      ...sys.agentArgsFor(node).slice(1),
      '--gateway',
      '--http-port',
      String(port),
      '--anonymous-role',
      'admin',
    ],
    // the entrypoint runs `node` from PATH, as in the image
    { env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` } },
  );
  const pids: Record<string, number> = {};
  for (const half of ['agent', 'gateway']) {
    const match = await sys.group.waitForOutput(sidecar, new RegExp(`sidecar: ${half} started \\(pid (\\d+)\\)`), 90_000);
    pids[half] = Number(match[1]);
  }
  await sys.group.waitForOutput(sidecar, /gateway listening/, 60_000);
  return { sidecar, pids, url: `http://127.0.0.1:${port}` };
}

describe('sidecar: agent and gateway of one node in one process tree', () => {
  let system: DaedalusSystem;
  let sidecar: ManagedProcess;
  let sidecarUrl = '';
  let storeRoot: string;
  let pids: Record<string, number> = {};

  beforeAll(async () => {
    storeRoot = makeTempDir('sidecar-store');
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      externalAgents: [0],
      beforeServices: async (sys) => {
        ({ sidecar, pids, url: sidecarUrl } = await startSidecar(sys));
      },
    });
    await system.createTables('shop', ['orders'], 50);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
  }, 60_000);

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${sidecarUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('serves the local node on its port: a backup without hostId/globalRequest backs up this node only', async () => {
    const [local, other] = system.nodes;
    // a single-node request names the node's own place in the bucket (Icarus: root/bucket/cluster/dc/node)
    const location = `file://${storeRoot}/bucket/${CLUSTER}/dc1/${local.hostId}`;
    const created = await call('POST', '/operations', {
      type: 'backup',
      storageLocation: location,
      snapshotTag: 'sidecar',
      createMissingBucket: true,
    });
    expect(created.status).toBe(201);
    const id = (created.body as OperationView).id;
    const operation = await waitFor(
      `operation ${id} done`,
      async () => {
        const { status, body } = await call('GET', `/operations/${id}`);
        const op = body as OperationView;
        return status === 200 && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(op.state) ? op : undefined;
      },
      120_000,
    );
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    const upload = (operation.response as { UPLOAD?: Record<string, { backupName: string }> } | undefined)?.UPLOAD ?? {};
    expect(Object.keys(upload)).toEqual([local.hostId]);
    const backupName = upload[local.hostId].backupName;
    const manifests = (await filesUnder(storeRoot)).filter((path) => path.endsWith(`/manifests/${backupName}.json`));
    expect(manifests).toEqual([join(storeRoot, 'bucket', CLUSTER, 'dc1', local.hostId, 'manifests', `${backupName}.json`)]);
    expect(manifests.some((path) => path.includes(other.hostId))).toBe(false);
  });

  it('does not stay half alive: when the agent dies, the gateway is stopped and the sidecar exits non-zero', async () => {
    expect(alive(pids.gateway)).toBe(true);
    process.kill(pids.agent, 'SIGKILL');
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000).unref());
    const exit = await Promise.race([sidecar.exited, timeout]);
    expect(exit).toBe(1);
    await waitFor('the gateway to be gone', () => !alive(pids.gateway), 30_000);
    await expect(fetch(`${sidecarUrl}/healthz`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });

  it('does not outlive its launcher: a SIGKILLed sidecar takes both halves with it', async () => {
    const again = await startSidecar(system);
    expect(again.pids.agent).not.toBe(pids.agent);
    process.kill(again.sidecar.pid, 'SIGKILL');
    await waitFor('both halves to be gone', () => !alive(again.pids.agent) && !alive(again.pids.gateway), 30_000);
  });

  it('stops both halves cleanly on SIGTERM and exits 0', async () => {
    const again = await startSidecar(system);
    process.kill(again.sidecar.pid, 'SIGTERM');
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000).unref());
    expect(await Promise.race([again.sidecar.exited, timeout])).toBe(0);
    expect([alive(again.pids.agent), alive(again.pids.gateway)]).toEqual([false, false]);
  });
});
