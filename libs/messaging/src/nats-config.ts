import { readFileSync } from 'node:fs';
import { IsNotEmpty, IsOptional, IsString, Matches, registerDecorator, ValidateIf } from 'class-validator';
import { ConfigReader, ConfigSection, IntRange, MAX_TIMER_MS, Option, readOptions } from '@daedalus/common';

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
  /** file holding this identity's nkey seed (`SU...`): the server knows only the public key */
  nkeySeedFile?: string;
  /**
   * Prefix of this client's reply subjects (default `_INBOX`). A least-privilege server lets each identity
   * subscribe to its own prefix only, so nobody reads another's replies (deploy/nats).
   */
  inboxPrefix?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** replica count for streams and KV buckets: 1 on a single server, 3 on a JetStream cluster */
  replicas: number;
  name: string;
  /** how long a starting service waits for NATS and JetStream to be reachable and ready */
  startupTimeoutMs: number;
}

/** `nats://host:port`, `tls://host:port`, `ws(s)://host:port` or `host:port`, with a port from 1 to 65535. */
function IsNatsServer(): PropertyDecorator {
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isNatsServer',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((server) => natsServerProblem(server) === undefined),
        defaultMessage: () => '$property must be comma-separated server URLs (nats://host:port, tls://host:port or host:port)',
      },
    });
}

function natsServerProblem(server: unknown): string | undefined {
  if (typeof server !== 'string' || server === '' || /\s/.test(server)) return 'not a server';
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `nats://${server}`);
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol)) return 'unknown scheme';
    if (url.hostname === '' || url.pathname.length > 1 || url.search || url.hash) return 'not host:port';
    return undefined;
  } catch {
    return 'not a URL';
  }
}

/** The NATS connection settings, the same on every service (flags for what is no secret, environment for all). */
@ConfigSection({ title: 'NATS connection' })
export class NatsSettings {
  @Option({
    flag: 'nats-servers',
    env: ['NATS_SERVERS', 'NATS_URL'],
    description: 'NATS servers, comma-separated (nats://host:port, tls://host:port or host:port)',
    default: ['nats://127.0.0.1:4222'],
    placeholder: 'url,...',
  })
  @IsNotEmpty({ message: '$property must name at least one server' })
  @IsNatsServer()
  readonly servers!: string[];

  @Option({ flag: 'nats-user', env: 'NATS_USER', description: 'user name, with NATS_PASSWORD', placeholder: 'name' })
  @IsOptional()
  @IsString()
  readonly user?: string;

  @Option({ env: 'NATS_PASSWORD', description: 'password of NATS_USER', secret: true })
  @IsOptional()
  @IsString()
  readonly pass?: string;

  @Option({ env: 'NATS_TOKEN', description: 'authentication token', secret: true })
  @IsOptional()
  @IsString()
  readonly token?: string;

  @Option({ flag: 'nats-creds', env: 'NATS_CREDS', description: 'NATS credentials file (JWT and nkey seed)', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly credsFile?: string;

  @Option({ flag: 'nats-nkey', env: 'NATS_NKEY', description: 'file holding the nkey seed of this identity', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly nkeySeedFile?: string;

  @Option({
    flag: 'nats-inbox-prefix',
    env: 'NATS_INBOX_PREFIX',
    description: 'prefix of reply subjects (default _INBOX); a least-privilege server gives each identity its own (deploy/nats)',
    placeholder: 'subject',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, { message: '$property must be subject tokens separated by dots, no wildcards' })
  readonly inboxPrefix?: string;

  @Option({ flag: 'nats-tls-ca', env: 'NATS_TLS_CA', description: 'CA certificate that signed the servers (PEM)', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly tlsCa?: string;

  @Option({ flag: 'nats-tls-cert', env: 'NATS_TLS_CERT', description: 'client certificate (PEM), with NATS_TLS_KEY', placeholder: 'file' })
  @ValidateIf((settings: NatsSettings) => settings.tlsKey !== undefined || settings.tlsCert !== undefined)
  @IsNotEmpty({ message: '$property and NATS_TLS_KEY go together: set both or neither' })
  readonly tlsCert?: string;

  @Option({ flag: 'nats-tls-key', env: 'NATS_TLS_KEY', description: 'private key of NATS_TLS_CERT (PEM)', placeholder: 'file' })
  @ValidateIf((settings: NatsSettings) => settings.tlsKey !== undefined || settings.tlsCert !== undefined)
  @IsNotEmpty({ message: '$property and NATS_TLS_CERT go together: set both or neither' })
  readonly tlsKey?: string;

  @Option({
    flag: 'nats-replicas',
    env: ['NATS_REPLICAS', 'DAEDALUS_NATS_REPLICAS'],
    description: 'replicas of every stream and KV bucket: 1 on one server, 3 on a JetStream cluster',
    default: 1,
  })
  @IntRange(1, 5)
  readonly replicas!: number;

  @Option({
    flag: 'nats-startup-timeout-ms',
    description: 'how long a starting service waits for NATS and JetStream (0: not at all)',
    default: 60_000,
    unit: 'ms',
  })
  @IntRange(0, MAX_TIMER_MS, 'a whole number of milliseconds')
  readonly startupTimeoutMs!: number;

  /** The connection of the service called `name` (its client name in NATS's monitoring). */
  toNatsConfig(name: string): NatsConfig {
    const tls =
      this.tlsCa || this.tlsCert || this.tlsKey ? { caFile: this.tlsCa, certFile: this.tlsCert, keyFile: this.tlsKey } : undefined;
    return {
      servers: this.servers,
      user: this.user,
      pass: this.pass,
      token: this.token,
      credsFile: this.credsFile,
      nkeySeedFile: this.nkeySeedFile,
      inboxPrefix: this.inboxPrefix,
      tls,
      replicas: this.replicas,
      name,
      startupTimeoutMs: this.startupTimeoutMs,
    };
  }
}

/** The NATS connection from the environment alone (tools, tests); services read theirs with their config class. */
export function natsConfigFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): NatsConfig {
  return readOptions(new NatsSettings(), new ConfigReader([], env)).toNatsConfig(name);
}

/** For logs: which servers and which kind of auth, never the secrets themselves. */
export function describeNatsConfig(config: NatsConfig): string {
  const auth = config.credsFile
    ? 'creds file'
    : config.nkeySeedFile
      ? 'nkey'
      : config.token
        ? 'token'
        : config.user
          ? `user ${config.user}`
          : 'no auth';
  return `${config.servers.join(',')} (${auth}${config.tls ? ', TLS' : ''}, replicas ${config.replicas})`;
}

export function readCredsFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** The seed in an nkey seed file: its first non-empty line (a file may end with a newline, or carry comments after). */
export function readNkeySeed(path: string): Uint8Array {
  const seed = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  if (!seed?.startsWith('S')) throw new Error(`${path} holds no nkey seed (a line starting with S)`);
  return new TextEncoder().encode(seed);
}
