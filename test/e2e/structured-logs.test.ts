/**
 * Structured logs (issue #14): a backup through an authenticating proxy on a real system (two simulated nodes,
 * their agents, two coordinators, the gateway behind an API token). Every line the services wrote is one JSON
 * object with `msg`; every gateway, agent or coordinator line about the backup carries its `operationId` (the
 * gateway's `POST /operations 201` line too, whose path names no id; agents' lines
 * their `hostId`, and `phase` where the work has one); neither the API token nor the proxy password (nor the
 * Basic credentials made of it) is in any line.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, ProcessGroup, removeDir } from '../support/processes';
import { DaedalusSystem } from '../support/system';
import { startEmulator, StorageEmulator } from '../storage/emulators';
import { startTestProxy, TestProxy } from '../support/proxy/test-proxy';
import { runBackup } from './backup-support';

const PROXY_USER = 'logs-proxy-user';
const PROXY_PASSWORD = 'logs-pr0xy-S3cret-5b1e07';

interface LogLine {
  msg: string;
  level: string;
  service: string;
  operationId?: string;
  hostId?: string;
  phase?: string;
}

describe('structured JSON logs', () => {
  let dir: string;
  let group: ProcessGroup;
  let s3: StorageEmulator;
  let proxy: TestProxy;
  let system: DaedalusSystem;
  const admin = newToken('logs-e2e', 'admin');

  /** Every service's log file (not nats-server's) as its lines. */
  const serviceLogs = (): Map<string, string[]> => {
    const logs = join(system.baseDir, 'logs');
    const files = readdirSync(logs).filter((name) => /^(gateway|coordinator|agent)/.test(name));
    return new Map(
      files.map((name) => [
        name,
        readFileSync(join(logs, name), 'utf8')
          .split('\n')
          .filter((line) => line !== ''),
      ]),
    );
  };

  beforeAll(async () => {
    dir = makeTempDir('structured-logs');
    group = new ProcessGroup(dir);
    s3 = await startEmulator('s3', group, join(dir, 's3'));
    proxy = await startTestProxy(group, dir, PROXY_USER, PROXY_PASSWORD);
    const tokensFile = join(dir, 'api-tokens');
    writeFileSync(tokensFile, `${admin.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 2,
      env: s3.env,
      baseDir: join(dir, 'system'),
      gatewayAuth: { anonymousRole: false, token: admin.token },
      gatewayArgs: ['--api-tokens-file', tokensFile],
    });
    await system.createTables('shop', ['orders'], 100);
    for (const node of system.nodes) await system.simOf(node).generateSSTables('shop', 'orders', 2, 256 * 1024);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await group?.stopAll();
    if (dir) removeDir(dir);
  }, 60_000);

  it('writes JSON lines naming the operation, host and phase, and no secret', async () => {
    const { operation } = await runBackup(system, {
      storageLocation: 's3://logs-backups',
      snapshotTag: 'logs',
      createMissingBucket: true,
      proxySettings: {
        useProxy: true,
        proxyHost: '127.0.0.1',
        proxyPort: proxy.port,
        proxyProtocol: 'http',
        proxyUsername: PROXY_USER,
        proxyPassword: PROXY_PASSWORD,
      },
    });
    expect(operation.errors).toEqual([]);
    expect(operation.state).toBe('COMPLETED');
    // the proxy password was really used: the store was reached through the proxy, authenticated
    expect(proxy.seen().some((line) => line.allowed)).toBe(true);
    const id = operation.id;
    const hostIds = new Set(system.nodes.map((node) => node.hostId));

    const logs = serviceLogs();
    expect([...logs.keys()].filter((name) => name.startsWith('agent')).length).toBe(2);
    expect([...logs.keys()].filter((name) => name.startsWith('coordinator')).length).toBe(2);
    const parsed = new Map<string, LogLine[]>();
    for (const [name, lines] of logs) {
      const notJson = lines.filter((line) => {
        try {
          const value = JSON.parse(line) as Partial<LogLine>;
          return typeof value.msg !== 'string' || typeof value.level !== 'string' || typeof value.service !== 'string';
        } catch {
          return true;
        }
      });
      expect({ name, notJson }).toEqual({ name, notJson: [] });
      parsed.set(
        name,
        lines.map((line) => JSON.parse(line) as LogLine),
      );
    }

    // a line about the operation (its id in the text) carries it as a field; agents' lines name their node
    const aboutIt = (lines: LogLine[]) => lines.filter((line) => line.operationId === id || line.msg.includes(id));
    const agentLines = [...parsed].filter(([name]) => name.startsWith('agent')).flatMap(([, lines]) => aboutIt(lines));
    const coordinatorLines = [...parsed].filter(([name]) => name.startsWith('coordinator')).flatMap(([, lines]) => aboutIt(lines));
    expect(coordinatorLines.length).toBeGreaterThan(0);
    for (const line of coordinatorLines) expect(line).toMatchObject({ operationId: id });
    // the gateway's request lines too: its submission (whose path names no id) and every read of it
    const gatewayLines = [...parsed].filter(([name]) => name.startsWith('gateway')).flatMap(([, lines]) => lines);
    const gatewayAboutIt = aboutIt(gatewayLines);
    for (const line of gatewayAboutIt) expect(line).toMatchObject({ operationId: id });
    expect(gatewayAboutIt.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^POST \/operations 201 by /),
        expect.stringMatching(new RegExp(`^GET /operations/${id} 200 by `)),
      ]),
    );
    // and a request about no single operation names none
    expect(
      gatewayLines.filter((line) => /^GET \/operations 200/.test(line.msg) || /^GET \/nodes /.test(line.msg)).filter((l) => l.operationId),
    ).toEqual([]);
    // each agent logged its part: started and completed, with its host ID and, for the phases, the phase
    for (const hostId of hostIds) {
      const mine = agentLines.filter((line) => line.hostId === hostId);
      expect(mine.map((line) => line.msg)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^backup .*started$/), expect.stringMatching(/^backup .*completed$/)]),
      );
    }
    for (const line of agentLines) {
      expect(line).toMatchObject({ operationId: id, hostId: expect.any(String) });
      expect(hostIds.has(line.hostId as string)).toBe(true);
    }
    // a (not consistent) global backup runs UPLOAD then COMMIT: every phase's start on every node says which
    expect(operation.phases).toEqual(['UPLOAD', 'COMMIT']);
    const started = agentLines.filter((line) => /started$/.test(line.msg));
    expect(new Set(started.map((line) => line.phase))).toEqual(new Set(['UPLOAD', 'COMMIT']));

    // no secret in any line: the API token, the proxy password, the Basic credentials sent to the proxy
    const everything = [...logs.values()].flat().join('\n');
    const basic = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
    for (const secret of [admin.token, PROXY_PASSWORD, basic]) expect(everything).not.toContain(secret);
  });
});
