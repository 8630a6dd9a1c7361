/**
 * Starts the test proxy (test/support/proxy/cli.ts: a real forward proxy requiring Basic authentication) in a
 * ProcessGroup on a free port, and reads back what it let through and refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ManagedProcess, ProcessGroup } from '../processes';

const ROOT = join(__dirname, '..', '..', '..');

export interface ProxyLogLine {
  method: string;
  /** the absolute URL of a forwarded request, or host:port of a CONNECT */
  target: string;
  allowed: boolean;
}

export interface TestProxy {
  port: number;
  process: ManagedProcess;
  /** every request the proxy received, in order */
  seen(): ProxyLogLine[];
}

export async function startTestProxy(group: ProcessGroup, dir: string, user: string, password: string): Promise<TestProxy> {
  const log = join(dir, 'proxy.jsonl');
  writeFileSync(log, '');
  const port = await freePort();
  const child = group.start(
    'proxy',
    'node',
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'test', 'support', 'proxy', 'cli.ts'), '--port', String(port), '--log', log],
    { cwd: ROOT, env: { ...process.env, PROXY_USER: user, PROXY_PASSWORD: password } },
  );
  await group.waitForOutput(child, /test proxy listening/, 60_000);
  return {
    port,
    process: child,
    seen: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ProxyLogLine),
  };
}
