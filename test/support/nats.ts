import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, ConnectionOptions } from '@nats-io/transport-node';
import { freePort, ManagedProcess, ProcessGroup, waitFor } from './processes';

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
  /** the flags it was started with (restartNatsServer starts it again with them: same port, store and cluster) */
  args: string[];
  /** its log name (a restart logs under `<name>-r<n>`, so every run's log is kept) */
  name: string;
  /** how many times it was started again */
  restarts: number;
}

/**
 * A private JetStream server on a free loopback port with its own store directory. `port` restarts a server
 * where clients expect it (same store directory: JetStream state survives); `extraArgs` adds auth or TLS flags,
 * or a configuration file (`-c`), which then names the store directory instead of `storeDir`.
 */
export async function startNatsServer(
  group: ProcessGroup,
  storeDir: string,
  name = 'nats',
  port?: number,
  extraArgs: string[] = [],
): Promise<NatsServer> {
  port ??= await freePort();
  // A configuration file (`-c`) enables JetStream and names the store itself: nats-server refuses a second
  // store_dir from the flags, and refuses to reload a file whose store differs from the running one.
  const jetStream = extraArgs.includes('-c') ? [] : ['-js', '-sd', storeDir];
  const args = [...jetStream, '-a', '127.0.0.1', '-p', String(port), ...extraArgs];
  const process = group.start(name, natsServerBinary(), args);
  await group.waitForOutput(process, /Server is ready/, 15_000);
  return { url: `nats://127.0.0.1:${port}`, port, process, args, name, restarts: 0 };
}

/**
 * A private JetStream server started with a configuration file (`-c`), e.g. the least-privilege one
 * scripts/nats-config.ts writes: its users, permissions and JetStream store apply, on a free loopback port
 * (the flag wins over the file's `listen`).
 */
export function startNatsServerWithConfig(
  group: ProcessGroup,
  configFile: string,
  name = 'nats',
  extraArgs: string[] = [],
): Promise<NatsServer> {
  return startNatsServer(group, '', name, undefined, ['-c', configFile, ...extraArgs]);
}

/**
 * Makes a running server read its configuration file again (SIGHUP, as `nats-server --signal reload` does):
 * users and permissions change without dropping JetStream state. Resolves once the server says it reloaded.
 */
export async function reloadNatsServer(group: ProcessGroup, server: NatsServer): Promise<void> {
  const before = (server.process.output().match(/Reloaded server configuration/g) ?? []).length;
  process.kill(server.process.pid, 'SIGHUP');
  await waitFor(
    `${server.name} to reload its configuration`,
    async () => (server.process.output().match(/Reloaded server configuration/g) ?? []).length > before,
    10_000,
    100,
  );
}

/**
 * Starts a stopped (or killed) server again with the flags it had: the same port, store directory and cluster
 * routes, so clients and the other servers find it where they left it and its JetStream state is back.
 */
export async function restartNatsServer(group: ProcessGroup, server: NatsServer): Promise<void> {
  server.restarts += 1;
  server.process = group.start(`${server.name}-r${server.restarts}`, natsServerBinary(), server.args);
  await group.waitForOutput(server.process, /Server is ready/, 30_000);
}

/**
 * A JetStream cluster of `size` servers on loopback (routes between every pair), each with its own store.
 * Resolves once JetStream answers on every server.
 */
export async function startNatsCluster(
  group: ProcessGroup,
  baseDir: string,
  size: number,
  extraArgs: string[] = [],
  clientOptions: Partial<ConnectionOptions> = {},
): Promise<NatsServer[]> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const servers = clientPorts.map((port, i): NatsServer => {
    const args = [
      '-js',
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-sd',
      join(baseDir, `nats-${i + 1}`),
      '--server_name',
      `n${i + 1}`,
      '--cluster_name',
      'daedalus-test',
      '--cluster',
      `nats://127.0.0.1:${routePorts[i]}`,
      '--routes',
      routes,
      ...extraArgs,
    ];
    const name = `nats-${i + 1}`;
    return { url: `nats://127.0.0.1:${port}`, port, process: group.start(name, natsServerBinary(), args), args, name, restarts: 0 };
  });
  await Promise.all(servers.map((server) => group.waitForOutput(server.process, /Server is ready/, 30_000)));
  // As in production, the cluster is formed (a meta leader elected, JetStream answering on every server)
  // before the services start.
  for (const server of servers) {
    await waitFor(
      `JetStream ready on ${server.url}`,
      async () => {
        const nc = await connect({ servers: server.url, timeout: 5_000, ...clientOptions });
        try {
          await (await jetstreamManager(nc, { timeout: 5_000 })).getAccountInfo();
          return true;
        } finally {
          await nc.close();
        }
      },
      60_000,
      500,
    );
  }
  return servers;
}
