import { readFileSync } from 'node:fs';

/**
 * How every service reaches NATS. Read from the environment so docker-compose and Kubernetes set it the
 * usual way; the values never appear in logs (see `describeNatsConfig`).
 */
export interface NatsConfig {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** NATS credentials file (JWT + nkey seed) */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** replica count for streams and KV buckets: 1 on a single server, 3 on a JetStream cluster */
  replicas: number;
  name: string;
  /** how long a starting service waits for NATS and JetStream to be reachable and ready */
  startupTimeoutMs: number;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function natsConfigFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): NatsConfig {
  const replicas = Number(env.DAEDALUS_NATS_REPLICAS ?? env.NATS_REPLICAS ?? '1');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new Error('NATS_REPLICAS must be an integer from 1 to 5');
  }
  const tls =
    env.NATS_TLS_CA || env.NATS_TLS_CERT || env.NATS_TLS_KEY
      ? { caFile: env.NATS_TLS_CA, certFile: env.NATS_TLS_CERT, keyFile: env.NATS_TLS_KEY }
      : undefined;
  const startupTimeoutMs = Number(env.DAEDALUS_NATS_STARTUP_TIMEOUT_MS ?? '60000');
  if (!Number.isInteger(startupTimeoutMs) || startupTimeoutMs < 0) {
    throw new Error('DAEDALUS_NATS_STARTUP_TIMEOUT_MS must be a whole number of milliseconds');
  }
  const servers = list(env.NATS_SERVERS ?? env.NATS_URL);
  return {
    servers: servers.length > 0 ? servers : ['nats://127.0.0.1:4222'],
    user: env.NATS_USER || undefined,
    pass: env.NATS_PASSWORD || undefined,
    token: env.NATS_TOKEN || undefined,
    credsFile: env.NATS_CREDS || undefined,
    tls,
    replicas,
    name,
    startupTimeoutMs,
  };
}

/** For logs: which servers and which kind of auth, never the secrets themselves. */
export function describeNatsConfig(config: NatsConfig): string {
  const auth = config.credsFile ? 'creds file' : config.token ? 'token' : config.user ? `user ${config.user}` : 'no auth';
  return `${config.servers.join(',')} (${auth}${config.tls ? ', TLS' : ''}, replicas ${config.replicas})`;
}

export function readCredsFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
