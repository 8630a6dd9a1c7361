/**
 * The Dockerfile, checked without a Docker engine: its build runs what scripts/install.sh and `npm run build`
 * run, everything it copies from the checkout exists (and is not excluded by .dockerignore), it runs as
 * Cassandra's uid (a build argument), and its entrypoint starts every role from the built dist/.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../support/system';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions of a Dockerfile, continuation lines joined, comments left out. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const steps = instructions(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);

  it('installs exactly the lock file and builds as the README does', () => {
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    // scripts/install.sh runs the same two
    const install = readFileSync(join(REPO_ROOT, 'scripts/install.sh'), 'utf8');
    expect(install).toMatch(/npm ci/);
    expect(install).toMatch(/npm run build/);
    // the build compiles Java: a JDK in the build stage
    expect(runs.some((r) => /openjdk-\d+-jdk/.test(r))).toBe(true);
  });

  it('copies only what exists in the checkout and is not ignored', () => {
    const sources = steps
      .filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1))
      .filter((a) => !a.startsWith('--'));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.includes(source.replace(/\/$/, '')) }).toEqual({ source, ignored: false });
    }
    // whatever tsconfig.build.json compiles and build-java.js reads is in the build stage
    const copied = new Set(sources.map((s) => s.replace(/\/$/, '')));
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const include of build.include) expect({ include, copied: copied.has(include.split('/')[0]) }).toEqual({ include, copied: true });
  });

  it("runs as Cassandra's uid, 999 unless the build says otherwise", () => {
    expect(steps).toContainEqual({ op: 'ARG', args: 'CASSANDRA_UID=999' });
    const user = steps.filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toMatch(/^\$\{CASSANDRA_UID\}/);
  });

  it('starts every role through its entrypoint, from the built dist/', () => {
    const entrypoint = steps.find((s) => s.op === 'ENTRYPOINT');
    expect(entrypoint?.args).toBe('["daedalus"]');
    const script = join(REPO_ROOT, 'deploy/docker/daedalus');
    accessSync(script, constants.X_OK);
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    for (const [role, says] of [
      ['sidecar', /daedalus sidecar/],
      ['agent', /--jmx-service/],
      ['gateway', /--api-tokens-file/],
      ['coordinator', /--node-timeout-ms/],
    ] as const) {
      const run = spawnSync('sh', [script, role, '--help'], { env, encoding: 'utf8', timeout: 30_000 });
      expect({ role, status: run.status }).toEqual({ role, status: 0 });
      expect(run.stdout + run.stderr).toMatch(says);
    }
    const unknown = spawnSync('sh', [script, 'nonsense'], { env, encoding: 'utf8', timeout: 10_000 });
    expect(unknown.status).toBe(64);
  });
});
