import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ManagedProcess, ProcessGroup } from './processes';

/** Debian installs nats-server into /usr/sbin, which is not on every PATH. */
export function natsServerBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found: run scripts/ensure-system-deps.sh');
}

export interface NatsServer {
  url: string;
  port: number;
  process: ManagedProcess;
}

/** A private JetStream server on a free loopback port with its own store directory. */
/** `port` restarts a server where clients expect it (same store directory: JetStream state survives). */
export async function startNatsServer(group: ProcessGroup, storeDir: string, name = 'nats', port?: number): Promise<NatsServer> {
  port ??= await freePort();
  const process = group.start(name, natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir]);
  await group.waitForOutput(process, /Server is ready/, 15_000);
  return { url: `nats://127.0.0.1:${port}`, port, process };
}
