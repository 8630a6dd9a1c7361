/**
 * The `daedalus` CLI in cluster mode, run as the built bin (dist/apps/cli/src/main.js, a child process) against a
 * simulated 2-node system with API tokens and a file store: a global backup watched to completion with JSON
 * output, a failing operation's exit status, `ops list`, `backups list`, `schedules …` (a schedule created from
 * flags fires, is read with its next and last runs, suspended, resumed, changed and deleted), the gateway's and
 * the command line's errors naming the flag, and the token taken from flags, environment or config file and
 * never printed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newToken } from '../../apps/gateway/src/auth/token-file';
import { makeTempDir, removeDir, waitFor } from '../support/processes';
import { DaedalusSystem, OperationView, REPO_ROOT } from '../support/system';

const BIN = join(REPO_ROOT, 'dist/apps/cli/src/main.js');

interface ScheduleRun {
  fireTime: string;
  operationId: string;
  state: string;
  operationState?: string;
}
interface ScheduleJson {
  id: string;
  request: Record<string, unknown>;
  schedule: string;
  timeZone: string;
  window?: { start: string; duration: string };
  suspended: boolean;
  concurrencyPolicy: string;
  catchUp: string;
  nextFireTimes: string[];
  runs: ScheduleRun[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('daedalus CLI, cluster mode', () => {
  let system: DaedalusSystem;
  let storeRoot: string;
  let workDir: string;
  let location: string;
  const admin = newToken('cli-admin', 'admin');
  const outputs: string[] = [];

  /** The bin itself (its #!/usr/bin/env node line), with only the environment given: no DAEDALUS_* of the test's. */
  function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        BIN,
        args,
        {
          env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: workDir, ...env },
          timeout: 180_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          outputs.push(stdout, stderr);
          resolve({ code, stdout, stderr });
        },
      );
    });
  }
  const withEnv = () => ({ DAEDALUS_GATEWAY: system.gatewayUrl, DAEDALUS_TOKEN: admin.token });

  beforeAll(async () => {
    storeRoot = makeTempDir('cli-store');
    workDir = makeTempDir('cli-work');
    location = `file://${storeRoot}/bucket`;
    const tokensFile = join(workDir, 'api-tokens');
    writeFileSync(tokensFile, `${admin.line}\n`);
    system = await DaedalusSystem.start({
      nodes: 2,
      coordinators: 1,
      gatewayAuth: { anonymousRole: false, token: admin.token },
      gatewayArgs: ['--api-tokens-file', tokensFile],
    });
    await system.createTables('shop', ['orders'], 50);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    if (storeRoot) removeDir(storeRoot);
    if (workDir) removeDir(workDir);
  }, 60_000);

  let backupId = '';

  it('runs a global backup with --watch to completion; --output json prints the final operation, exit 0', async () => {
    const run = await cli(
      ['backup', '--global', '--storage-location', location, '--tag', 'nightly', '--create-missing-bucket', '--watch', '--output', 'json'],
      withEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const final = JSON.parse(run.stdout) as OperationView;
    expect(final).toMatchObject({ type: 'backup', state: 'COMPLETED', progress: 1, globalRequest: true, snapshotTag: 'nightly' });
    expect(final.nodes).toHaveLength(2);
    backupId = final.id;
    // what the gateway says now
    expect((await system.get(`/operations/${final.id}`)).body).toEqual(final);

    // watching it again (text): the final state, exit 0
    const watched = await cli(['watch', final.id], withEnv());
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`backup ${final.id} COMPLETED 100%`);
  }, 180_000);

  it('draws a progress bar per node and phase on a terminal', async () => {
    // script(1) gives the CLI a pseudo-terminal, as an operator's shell would
    const command = [BIN, 'backup', '--global', '--storage-location', location, '--tag', 'bars', '--create-missing-bucket', '--watch']
      .map((a) => `'${a}'`)
      .join(' ');
    const run = await new Promise<Run>((resolve) => {
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        {
          env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: workDir, TERM: 'xterm', ...withEnv() },
          timeout: 180_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
    outputs.push(run.stdout, run.stderr);
    expect(run.code).toBe(0);
    const screen = run.stdout;
    expect(screen).toContain('█');
    for (const view of [await system.waitForOperation(/backup ([0-9a-f-]{36}) COMPLETED/.exec(screen)?.[1] ?? 'none')]) {
      expect(view.state).toBe('COMPLETED');
      // one bar per node in each phase: UPLOAD on both nodes, COMMIT on both (one works, the other completes at once)
      for (const node of view.nodes) expect(screen).toMatch(new RegExp(`${node.address.replace(/\./g, '\\.')} UPLOAD`));
      expect(screen).toMatch(/ COMMIT /);
    }
  }, 180_000);

  it('exits non-zero with the error when the watched operation fails', async () => {
    const [first] = system.nodes;
    const run = await cli(
      [
        'import',
        '--keyspace',
        'shop',
        '--table',
        'orders',
        '--host-id',
        first.hostId,
        '--source-dir',
        join(storeRoot, 'no-such-dir'),
        '--watch',
      ],
      withEnv(),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/operation [0-9a-f-]{36} ended FAILED: /);
    expect(run.stdout).toMatch(/^import [0-9a-f-]{36} FAILED/);
    // progress lines on stderr (no terminal): the states the operation went through
    expect(run.stderr).toMatch(/import [0-9a-f-]{36} RUNNING/);
  }, 120_000);

  it('lists operations and backups, with the gateway and token from a config file or flags', async () => {
    const config = join(workDir, 'daedalus.json');
    writeFileSync(config, JSON.stringify({ gateway: system.gatewayUrl, token: admin.token }));
    const listed = await cli(['ops', 'list', '--config', config]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+TYPE\s+STATE/);
    expect(listed.stdout).toMatch(new RegExp(`${backupId}\\s+backup\\s+COMPLETED\\s+100%`));

    // the default config file under $HOME
    const home = join(workDir, 'home');
    mkdirSync(join(home, '.config', 'daedalus'), { recursive: true });
    writeFileSync(join(home, '.config', 'daedalus', 'config.json'), JSON.stringify({ gateway: system.gatewayUrl, token: admin.token }));
    const asJson = await cli(['ops', 'list', '--type', 'backup', '--output', 'json'], { HOME: home });
    expect(asJson.code).toBe(0);
    const views = JSON.parse(asJson.stdout) as OperationView[];
    expect(views.map((v) => v.id)).toContain(backupId);
    expect(views.every((v) => v.type === 'backup')).toBe(true);

    const backups = await cli([
      'backups',
      'list',
      '--storage-location',
      location,
      '--output',
      'json',
      '--gateway',
      system.gatewayUrl,
      '--token',
      admin.token,
    ]);
    expect(backups.code).toBe(0);
    const list = JSON.parse(backups.stdout) as Array<{ name: string; complete: boolean; nodesComplete: number }>;
    const nightly = list.filter((b) => /^nightly-\d+$/.test(b.name));
    expect(nightly).toHaveLength(1);
    expect(nightly[0]).toMatchObject({ complete: true, nodesComplete: 2 });

    const got = await cli(['ops', 'get', backupId], withEnv());
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(`backup ${backupId} COMPLETED`);
  }, 120_000);

  it('names the flag: the gateway’s 400s, an unknown --field, the command line’s own mistakes', async () => {
    const badLocation = await cli(['backup', '--global', '--storage-location', 'nowhere://x', '--tag', 't'], withEnv());
    expect(badLocation.code).toBe(3);
    expect(badLocation.stderr).toMatch(/400/);
    expect(badLocation.stderr).toMatch(/storageLocation \(--storage-location\): /);

    const unknownField = await cli(['flush', '--global', '--field', 'keyspce=shop'], withEnv());
    expect(unknownField.code).toBe(3);
    expect(unknownField.stderr).toMatch(/keyspce \(--field keyspce=…\): /);

    const badNumber = await cli(['backup', '--concurrent-connections', 'many'], withEnv());
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--concurrent-connections takes a whole number');
    const badChoice = await cli(['restore', '--restoration-strategy-type', 'SIDEWAYS'], withEnv());
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('--restoration-strategy-type');
    const unknownFlag = await cli(['ops', 'list', '--colour'], withEnv());
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--colour'");
    const badOutput = await cli(['ops', 'list', '--output', 'yaml'], withEnv());
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toContain('--output');
    const missingLocation = await cli(['backups', 'list'], withEnv());
    expect(missingLocation.code).toBe(2);
    expect(missingLocation.stderr).toContain('--storage-location');

    const noToken = await cli(['ops', 'list'], { DAEDALUS_GATEWAY: system.gatewayUrl });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toMatch(/401/);
    expect(noToken.stderr).toContain('--token, DAEDALUS_TOKEN');

    const badConfig = await cli(['ops', 'list', '--config', join(workDir, 'missing.json')], withEnv());
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('--config');

    const help = await cli(['backup', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--storage-location <value>');
    expect(help.stdout).toContain('--watch');
    expect((await cli(['esop', '--help'])).stdout).toContain('Esop-style local mode');
  }, 120_000);

  it('sends a no… field set by its flag, and nothing when the flag is absent', async () => {
    const body = ['restore', '--global', '--storage-location', location, '--tag', 'no-such-backup', '--output', 'json'];
    const withFlag = await cli([...body, '--no-delete-truncates'], withEnv());
    expect(withFlag.code).toBe(0);
    expect(JSON.parse(withFlag.stdout)).toMatchObject({ type: 'restore', noDeleteTruncates: true, state: 'PENDING' });
    const without = await cli(body, withEnv());
    expect(JSON.parse(without.stdout)).not.toHaveProperty('noDeleteTruncates');
    for (const id of [withFlag, without].map((r) => (JSON.parse(r.stdout) as OperationView).id)) {
      expect((await system.waitForOperation(id)).state).toBe('FAILED');
    }
  }, 120_000);

  it('verify and remove-backup from their commands; ops cancel stops a running backup, and says when there is nothing to cancel', async () => {
    const listBackups = async () => {
      const run = await cli(['backups', 'list', '--storage-location', location, '--output', 'json'], withEnv());
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as Array<{ name: string; verified?: { state: string; mode: string; nodesVerified: number } }>;
    };
    const before = await listBackups();
    const nightly = before.find((b) => /^nightly-\d+$/.test(b.name))!.name;
    const bars = before.find((b) => /^bars-\d+$/.test(b.name))!.name;

    const verify = await cli(
      ['verify', '--global', '--storage-location', location, '--backup-name', nightly, '--mode', 'full', '--watch', '--output', 'json'],
      withEnv(),
    );
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(verify.stdout)).toMatchObject({ type: 'verify', state: 'COMPLETED' });
    expect((await listBackups()).find((b) => b.name === nightly)?.verified).toMatchObject({
      state: 'passed',
      mode: 'full',
      nodesVerified: 2,
    });
    const listedText = await cli(['backups', 'list', '--storage-location', location], withEnv());
    expect(listedText.stdout).toMatch(/^NAME\s+TIME\s+NODES\s+SIZE\s+ADDED\s+COMPLETE\s+VERIFIED\n/);
    expect(listedText.stdout).toMatch(new RegExp(`\\n${nightly}\\s.*\\syes\\s+passed \\(full, \\d{4}-`));

    const removal = await cli(
      ['remove-backup', '--global', '--storage-location', location, '--backup-name', bars, '--watch', '--output', 'json'],
      withEnv(),
    );
    expect({ code: removal.code, stderr: removal.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(removal.stdout)).toMatchObject({ type: 'remove-backup', state: 'COMPLETED' });
    const names = (await listBackups()).map((b) => b.name);
    expect(names).not.toContain(bars);
    expect(names).toContain(nightly);

    // 8 MiB per node to a new bucket at 128 KB/s (a minute): still uploading when the cancel arrives; watched to CANCELLED, exit 1
    await system.createTables('bulk', ['blobs'], 0);
    for (const node of system.nodes) await system.simOf(node).generateSSTables('bulk', 'blobs', 8, 1024 * 1024);
    const slow = await cli(
      [
        'backup',
        '--global',
        '--storage-location',
        `file://${storeRoot}/slow-bucket`,
        '--create-missing-bucket',
        '--entities',
        'bulk',
        '--tag',
        'slow',
        '--bandwidth',
        '{"value":128,"unit":"KBPS"}',
        '--output',
        'json',
      ],
      withEnv(),
    );
    expect(slow.code).toBe(0);
    const slowId = (JSON.parse(slow.stdout) as OperationView).id;
    await system.waitForOperation(slowId, (op) => op.state === 'RUNNING' && op.phase === 'UPLOAD');
    const cancelled = await cli(['ops', 'cancel', slowId, '--watch', '--output', 'json'], withEnv());
    expect(cancelled.code).toBe(1);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: slowId, state: 'CANCELLED' });
    expect(cancelled.stderr).toContain(`operation ${slowId} ended CANCELLED`);
    const again = await cli(['ops', 'cancel', slowId], withEnv());
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`operation ${slowId} is CANCELLED already: nothing to cancel\n`);
    expect(again.stdout).toMatch(new RegExp(`^backup ${slowId} CANCELLED`));
  }, 240_000);

  it('schedules: created from the flush command’s flags, fires, shows next and last runs, suspends, resumes, changes, deletes', async () => {
    const json = (run: Run) => {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      return JSON.parse(run.stdout) as ScheduleJson;
    };
    // the schedule's flags before and after the type; the request is the flush command's own flags
    const created = json(
      await cli(
        [
          'schedules',
          'create',
          '--schedule',
          '@every 2s',
          'flush',
          '--keyspace',
          'shop',
          '--global',
          '--id',
          'cli-often',
          '--output',
          'json',
        ],
        withEnv(),
      ),
    );
    expect(created).toMatchObject({
      id: 'cli-often',
      request: { type: 'flush', keyspace: 'shop', globalRequest: true },
      schedule: '@every 2s',
      timeZone: 'UTC',
      suspended: false,
      concurrencyPolicy: 'skip',
    });
    expect(created.nextFireTimes).toHaveLength(5);
    expect((await system.get('/schedules/cli-often')).body).toMatchObject({ id: 'cli-often', request: created.request });

    // it fires: a run submitted, its operation COMPLETED (submitted by the schedule)
    const fired = await waitFor(
      'a completed run of cli-often',
      async () => {
        const view = json(await cli(['schedules', 'get', 'cli-often', '--output', 'json'], withEnv()));
        return view.runs.some((r) => r.state === 'submitted' && r.operationState === 'COMPLETED') ? view : undefined;
      },
      60_000,
      1_000,
    );
    const run = fired.runs.find((r) => r.operationState === 'COMPLETED')!;
    const operation = (await system.get(`/operations/${run.operationId}`)).body as OperationView;
    expect(operation).toMatchObject({ type: 'flush', state: 'COMPLETED', submittedBy: 'schedule:cli-often' });

    // text for people: the next fire times and each run with its operation id and state
    const text = await cli(['schedules', 'get', 'cli-often'], withEnv());
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^schedule cli-often: flush @every 2s \(UTC\) active/);
    expect(text.stdout).toMatch(/next runs:\n {4}\d{4}-\d\d-\d\dT/);
    expect(text.stdout).toMatch(new RegExp(`submitted\\s+${run.operationId}\\s+COMPLETED`));
    const listed = await cli(['schedules', 'list'], withEnv());
    expect(listed.stdout).toMatch(/^ID\s+TYPE\s+SCHEDULE\s+TIME ZONE\s+STATE\s+NEXT RUN\s+LAST RUN/);
    expect(listed.stdout).toMatch(/\ncli-often\s+flush\s+@every 2s\s+UTC\s+active\s+\d{4}-/);
    const all = JSON.parse((await cli(['schedules', 'list', '--output', 'json'], withEnv())).stdout) as ScheduleJson[];
    expect(all.map((s) => s.id)).toContain('cli-often');

    // suspend: nothing next, the rest kept; again: nothing changes
    const suspended = json(await cli(['schedules', 'suspend', 'cli-often', '--output', 'json'], withEnv()));
    expect(suspended).toMatchObject({ suspended: true, nextFireTimes: [], request: created.request, schedule: '@every 2s' });
    const again = await cli(['schedules', 'suspend', 'cli-often'], withEnv());
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('schedule cli-often is suspended already: nothing changed');
    expect(again.stdout).toContain('next runs: none (suspended)');
    const resumed = json(await cli(['schedules', 'resume', 'cli-often', '--output', 'json'], withEnv()));
    expect(resumed).toMatchObject({ suspended: false, request: created.request });
    expect(resumed.nextFireTimes).toHaveLength(5);

    // update: what is given changes, the rest is kept
    const changed = json(
      await cli(
        [
          'schedules',
          'update',
          'cli-often',
          '--schedule',
          '30 2 * * *',
          '--time-zone',
          'Europe/Berlin',
          '--window-start',
          '02:00',
          '--window-duration',
          '3h',
          '--field',
          'tables=["orders"]',
          '--output',
          'json',
        ],
        withEnv(),
      ),
    );
    expect(changed).toMatchObject({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      window: { start: '02:00', duration: '3h' },
      suspended: false,
      request: { type: 'flush', keyspace: 'shop', globalRequest: true, tables: ['orders'] },
    });
    for (const time of changed.nextFireTimes) expect(time).toMatch(/T0[01]:30:00\.000Z$/);

    // the gateway's 400s, each field with the flag that set it
    const refused = await cli(
      ['schedules', 'create', 'backup', '--schedule', '* * * * * *', '--time-zone', 'Mars/Olympus', '--storage-location', 'nowhere://x'],
      withEnv(),
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/400/);
    expect(refused.stderr).toMatch(/\n {2}schedule \(--schedule\): /);
    expect(refused.stderr).toMatch(/\n {2}timeZone \(--time-zone\): /);
    expect(refused.stderr).toMatch(/\n {2}request\.storageLocation \(--storage-location\): /);
    const requestFile = join(workDir, 'flush-request.json');
    writeFileSync(requestFile, JSON.stringify({ type: 'flush', keyspce: 'shop' }));
    const fromFile = await cli(['schedules', 'create', '--schedule', '@daily', '--request-file', requestFile], withEnv());
    expect(fromFile.code).toBe(3);
    expect(fromFile.stderr).toMatch(/\n {2}request\.keyspce \(--request-file\): /);
    const badUpdate = await cli(['schedules', 'update', 'cli-often', '--window-duration', 'long'], withEnv());
    expect(badUpdate.code).toBe(3);
    expect(badUpdate.stderr).toMatch(/\n {2}window\.duration \(--window-duration\): /);
    // what the gateway refused changed nothing
    expect((await system.get('/schedules/cli-often')).body).toMatchObject({ window: { start: '02:00', duration: '3h' } });

    // the command line's own mistakes: exit 2, naming the flag; nothing sent
    for (const [args, message] of [
      [['schedules', 'create', 'flush', '--keyspace', 'shop'], '--schedule is required'],
      [['schedules', 'create', '--schedule', '@daily'], 'give the operation'],
      [['schedules', 'create', 'bogus', '--schedule', '@daily'], 'bogus is not an operation type'],
      [['schedules', 'create', '--schedule', '@daily', '--concurrency-policy', 'replace', '--request', '{}'], '--concurrency-policy'],
      [['schedules', 'create', 'flush', '--schedule', '@daily', '--window-start', '01:00'], '--window-start needs --window-duration'],
      [['schedules', 'create', '--schedule', '@daily', '--request-file', join(workDir, 'none.json')], '--request-file'],
      [['schedules', 'update', 'cli-often'], 'nothing to change'],
      [['schedules', 'get'], "missing required argument 'id'"],
    ] as const) {
      const usage = await cli([...args], withEnv());
      expect({ args, code: usage.code }).toEqual({ args, code: 2 });
      expect(usage.stderr).toContain(message);
    }
    for (const command of ['list', 'get', 'create', 'create backup', 'update', 'suspend', 'resume', 'delete']) {
      const help = await cli(['schedules', ...command.split(' '), '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(/^Usage: daedalus schedules /);
    }
    expect((await cli(['schedules', 'create', 'backup', '--help'])).stdout).toMatch(/--storage-location <value>[\s\S]*--schedule <spec>/);

    // delete; then it is gone (404 naming the id)
    const deleted = await cli(['schedules', 'delete', 'cli-often', '--output', 'json'], withEnv());
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: 'cli-often', deleted: true });
    expect((await system.get('/schedules/cli-often')).status).toBe(404);
    const gone = await cli(['schedules', 'get', 'cli-often'], withEnv());
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/404/);
    expect(gone.stderr).toMatch(/\n {2}id \(<id>\): /);
  }, 300_000);

  it('never printed the token', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const text of outputs) expect(text).not.toContain(admin.token);
  });
});
