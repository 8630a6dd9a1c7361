import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, registerDecorator } from 'class-validator';
import { SecretKeyring } from '@daedalus/contracts';
import { JmxConnectionOptions, JmxCredentials, loadJmxCredentialsFile } from '@daedalus/jmx';
import {
  DEFAULT_SETTLEMENT_POLICY,
  NatsConfig,
  NatsSettings,
  SettlementPolicy,
  TopologyOptions,
  TopologySettings,
  Signing,
  SigningSettings,
} from '@daedalus/messaging';
import {
  ConfigError,
  ConfigReader,
  ConfigSection,
  IntRange,
  MAX_TIMER_MS,
  MetricsSettings,
  Option,
  LoggingSettings,
  OptionGroup,
  readOptions,
  RequestSecretsSettings,
  ServiceDescription,
  TimerMs,
} from '@daedalus/common';
import { DEFAULT_RESERVE_BYTES } from './repository/downloader';
import { DEFAULT_ORPHAN_GRACE_MS } from './repository/backup-verification';
import { ClientEncryption, EncryptionKey } from './repository/encryption';

/** `host:port` (port 1 to 65535) or a `service:jmx:` URL. */
function IsJmxService(): PropertyDecorator {
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isJmxService',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseJmxService(value) !== undefined,
        defaultMessage: () => '$property must be host:port (a port from 1 to 65535) or a service:jmx: URL',
      },
    });
}

function parseJmxService(service: string): { serviceUrl: string } | { host: string; port: number } | undefined {
  if (service.startsWith('service:jmx:')) return { serviceUrl: service };
  const match = /^(.+):(\d+)$/.exec(service);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) return undefined;
  return { host: match[1], port: Number(match[2]) };
}

/** Every element an absolute path without ".." segments: roots are compared as paths, never relative to the working directory. */
function IsAbsolutePathEach(): PropertyDecorator {
  return (target: object, key: string | symbol) =>
    registerDecorator({
      name: 'isAbsolutePathEach',
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((v) => typeof v === 'string' && isAbsolute(v) && !v.split('/').includes('..')),
        defaultMessage: () => '$property must be absolute directories without ".." segments',
      },
    });
}

/** Agent settings. JMX flags mirror Icarus's (`--jmx-service`, `--jmx-user`, `--jmx-credentials`, ...). */
@ConfigSection({ title: 'Node agent' })
export class AgentConfig {
  @Option({
    flag: 'jmx-service',
    description: "the node's JMX endpoint: host:port or a service:jmx: URL",
    default: '127.0.0.1:7199',
    placeholder: 'host:port|url',
  })
  @IsJmxService()
  readonly jmxService!: string;

  @Option({ flag: 'jmx-user', description: 'JMX user name', placeholder: 'name' })
  @IsOptional()
  @IsString()
  readonly jmxUser?: string;

  @Option({
    flag: 'jmx-password',
    description: 'JMX password (prefer --jmx-password-file or --jmx-credentials)',
    secret: true,
    placeholder: 'password',
  })
  @IsOptional()
  @IsString()
  readonly jmxPassword?: string;

  @Option({ flag: 'jmx-password-file', description: 'file holding the JMX password', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly jmxPasswordFile?: string;

  @Option({
    flag: 'jmx-credentials',
    description: "Icarus's JMX credentials file: a properties file with username= and password=",
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly jmxCredentials?: string;

  @Option({ flag: 'jmx-truststore', description: 'truststore (JKS or PKCS12) for JMX over TLS', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly jmxTruststore?: string;

  @Option({ flag: 'jmx-truststore-password', description: 'password of --jmx-truststore', secret: true, placeholder: 'password' })
  @IsOptional()
  @IsString()
  readonly jmxTruststorePassword?: string;

  @Option({ flag: 'jmx-keystore', description: 'keystore with a client certificate for JMX over TLS', placeholder: 'file' })
  @IsOptional()
  @IsString()
  readonly jmxKeystore?: string;

  @Option({ flag: 'jmx-keystore-password', description: 'password of --jmx-keystore', secret: true, placeholder: 'password' })
  @IsOptional()
  @IsString()
  readonly jmxKeystorePassword?: string;

  @Option<AgentConfig>({
    flag: 'jmx-ssl',
    description: 'JMX over TLS',
    default: (c) => c.jmxTruststore !== undefined,
    defaultText: 'true when --jmx-truststore is given',
  })
  @IsBoolean()
  readonly jmxSsl!: boolean;

  @Option({
    flag: 'cassandra-config-dir',
    description: 'directory of cassandra.yaml (data, commit log, hints and saved caches directories)',
    default: '/etc/cassandra',
    placeholder: 'dir',
  })
  @IsString()
  @IsNotEmpty()
  readonly cassandraConfigDir!: string;

  @Option({
    flag: 'cassandra-dir',
    description: "Cassandra's home ($CASSANDRA_HOME): where its default directories are when cassandra.yaml names none",
    placeholder: 'dir',
  })
  @IsOptional()
  @IsString()
  readonly cassandraHome?: string;

  /** explicit data directories; else read from cassandra.yaml */
  @Option({
    flag: 'data-dirs',
    description: "the node's data directories, comma-separated",
    default: () => [],
    defaultText: 'those cassandra.yaml names',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  readonly dataDirs!: string[];

  @Option({
    flag: 'file-store-roots',
    description: 'directories file:// storage locations may use (the bucket directory must be one of them or below one)',
    default: () => [],
    defaultText: 'none: file:// locations are refused',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  @IsAbsolutePathEach()
  readonly fileStoreRoots!: string[];

  @Option({
    flag: 'import-roots',
    description: "directories an import's sourceDir may be in",
    default: () => [],
    defaultText: 'the data directories and daedalus-import beside the first',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  @IsAbsolutePathEach()
  readonly importRoots!: string[];

  @Option({
    flag: 'staging-roots',
    description: "directories a restore may download into (its import.sourceDir); the first holds the agent's own staging",
    default: () => [],
    defaultText: 'daedalus-restore beside the first data directory',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  @IsAbsolutePathEach()
  readonly stagingRoots!: string[];

  @Option({
    flag: 'config-roots',
    description: "directories a restore's cassandraConfigDirectory may name (IN_PLACE may rewrite cassandra.yaml there)",
    default: () => [],
    defaultText: 'the --cassandra-config-dir',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  @IsAbsolutePathEach()
  readonly configRoots!: string[];

  @Option({
    flag: 'commitlog-roots',
    description: 'directories a commitlog-backup may read (the commit log archive, commitLog, cassandraCommitLogDirectory)',
    default: () => [],
    defaultText: 'the directory holding the first data directory (e.g. /var/lib/cassandra)',
    placeholder: 'dir,...',
  })
  @IsString({ each: true })
  @IsAbsolutePathEach()
  readonly commitLogRoots!: string[];

  @Option({ flag: 'enable-truncate', description: 'allow truncate operations on this node', default: false })
  @IsBoolean()
  readonly enableTruncate!: boolean;

  /** bound for one long node operation (cleanup, scrub, rebuild, decommission, ...) */
  @Option({
    flag: 'operation-timeout-ms',
    description: 'bound of one long node operation (cleanup, scrub, rebuild, decommission, ...)',
    default: 24 * 3600_000,
    unit: 'ms',
  })
  @TimerMs(1)
  readonly operationTimeoutMs!: number;

  /** how often a long operation reads its progress from the node */
  @Option({
    flag: 'progress-interval-ms',
    description: 'how often a long operation reads its progress from the node',
    default: 2_000,
    unit: 'ms',
  })
  @TimerMs(1)
  readonly progressIntervalMs!: number;

  @Option({
    flag: 'heartbeat-interval-ms',
    description: "how often the agent rewrites its registration (keep it well under the coordinators' --node-timeout-ms)",
    default: 2_000,
    unit: 'ms',
  })
  @TimerMs(100)
  readonly heartbeatIntervalMs!: number;

  @Option({
    flag: 'startup-timeout-ms',
    description: 'how long a starting agent waits for Cassandra to answer over JMX',
    default: 5 * 60_000,
    unit: 'ms',
  })
  @IntRange(0, MAX_TIMER_MS, 'a whole number of milliseconds')
  readonly startupTimeoutMs!: number;

  @Option({
    flag: 'ack-wait-ms',
    description: 'how long a command the agent took stays with it before JetStream delivers it again',
    default: 30_000,
    unit: 'ms',
  })
  @TimerMs(1_000)
  readonly ackWaitMs!: number;

  @Option({ flag: 'concurrency', description: 'commands handled at once', default: 4 })
  @IntRange(1, 256)
  readonly concurrency!: number;

  /** a restore refuses to download when it would leave less than this free on a filesystem */
  @Option({
    flag: 'restore-reserve-bytes',
    description: 'a restore refuses to download when it would leave less than this free on a filesystem it writes to',
    default: DEFAULT_RESERVE_BYTES,
    unit: 'bytes',
  })
  @IntRange(0, Number.MAX_SAFE_INTEGER)
  readonly restoreReserveBytes!: number;

  /** remove-backup never sweeps an unreferenced object younger than this (docs/design.md, "Removing backups") */
  @Option({
    flag: 'removal-grace-ms',
    description:
      'remove-backup keeps unreferenced objects younger than this: they may belong to a backup not committed yet (longer than a backup lease, 5 min)',
    default: 6 * 3600_000,
    unit: 'ms',
  })
  @IntRange(0, Number.MAX_SAFE_INTEGER)
  readonly removalGraceMs!: number;

  @Option({
    flag: 'verify-orphan-grace-ms',
    description:
      'a verify calls an object named by no manifest an orphan only when it is older than this (younger ones may belong to a running backup)',
    default: DEFAULT_ORPHAN_GRACE_MS,
    unit: 'ms',
  })
  @IntRange(0, Number.MAX_SAFE_INTEGER)
  readonly verifyOrphanGraceMs!: number;

  @Option({
    flag: 'max-attempts',
    description: 'deliveries of a command before it is dead-lettered (the node reports failed first)',
    default: 5,
  })
  @IntRange(1, 100)
  readonly maxAttempts!: number;

  @Option({
    flag: 'encryption-key-file',
    description:
      'file holding the 256-bit key that seals backups client-side (AES-256-GCM): 64 hex characters, base64, or 32 raw bytes. ' +
      'Backups taken with it are encrypted; restoring them needs the same key. The key never leaves the agent: manifests record its fingerprint',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  readonly encryptionKeyFile?: string;

  @Option({
    env: 'DAEDALUS_ENCRYPTION_KEY',
    description: 'the client-side encryption key itself (64 hex characters or base64), instead of --encryption-key-file',
    secret: true,
  })
  @IsOptional()
  @IsString()
  readonly encryptionKeyText?: string;

  @OptionGroup(() => LoggingSettings)
  readonly loggingSettings!: LoggingSettings;

  @OptionGroup(() => NatsSettings)
  readonly natsSettings!: NatsSettings;

  @OptionGroup(() => TopologySettings)
  readonly topologySettings!: TopologySettings;

  @OptionGroup(() => RequestSecretsSettings)
  readonly requestSecretsSettings!: RequestSecretsSettings;

  @OptionGroup(() => SigningSettings)
  readonly signingSettings!: SigningSettings;

  @OptionGroup(() => MetricsSettings)
  readonly metricsSettings!: MetricsSettings;

  readonly settlement: SettlementPolicy;
  /** opens the secrets of commands' requests (absent: a command carrying one fails naming the field) */
  readonly requestSecrets?: SecretKeyring;
  readonly nats: NatsConfig;
  readonly topology: TopologyOptions;
  /** the key records, commands and events are signed with (read at start-up: an unreadable file fails it) */
  readonly signing: Signing;
  private fromCredentialsFile?: JmxCredentials;
  private fromPasswordFile?: string;
  private encryptionKey?: EncryptionKey;

  /** Reads the files the settings name (Icarus's `--jmx-credentials` properties file, `--jmx-password-file`) too. */
  static async load(reader: ConfigReader = new ConfigReader()): Promise<AgentConfig> {
    const config = new AgentConfig(reader);
    if (config.jmxCredentials) config.fromCredentialsFile = await loadJmxCredentialsFile(config.jmxCredentials);
    if (config.jmxPasswordFile) config.fromPasswordFile = (await readFile(config.jmxPasswordFile, 'utf8')).trim();
    config.encryptionKey = await AgentConfig.readEncryptionKey(config.encryptionKeyFile, config.encryptionKeyText);
    return config;
  }

  /** The key from its file or the environment (one of them); a problem names the setting, never the key. The CLI reads it so too. */
  static async readEncryptionKey(file: string | undefined, text: string | undefined): Promise<EncryptionKey | undefined> {
    if (file !== undefined && text !== undefined) {
      throw new ConfigError(['give the encryption key either in --encryption-key-file or in DAEDALUS_ENCRYPTION_KEY, not both']);
    }
    const [source, content] =
      file !== undefined
        ? [
            `--encryption-key-file ${file}`,
            await readFile(file).catch((error: NodeJS.ErrnoException) => {
              throw new ConfigError([`--encryption-key-file ${file} cannot be read (${error.code ?? 'error'})`]);
            }),
          ]
        : ['DAEDALUS_ENCRYPTION_KEY', text === undefined ? undefined : Buffer.from(text, 'utf8')];
    if (content === undefined) return undefined;
    try {
      return EncryptionKey.parse(content);
    } catch (error) {
      throw new ConfigError([`${source}: ${(error as Error).message}`]);
    }
  }

  /** Client-side encryption of backups: on with a key, off without. */
  get encryption(): ClientEncryption {
    return new ClientEncryption(this.encryptionKey);
  }

  private constructor(reader: ConfigReader) {
    readOptions(this, reader);
    this.settlement = { ...DEFAULT_SETTLEMENT_POLICY, maxAttempts: this.maxAttempts };
    this.nats = this.natsSettings.toNatsConfig('daedalus-node-agent');
    this.topology = this.topologySettings.toTopology(this.nats.replicas);
    const keys = this.requestSecretsSettings.keys();
    if (keys) this.requestSecrets = new SecretKeyring(keys);

    this.signing = new Signing(this.signingSettings.signingKey());
  }

  /** The JMX connection: flags first, then the password file, then the credentials file. */
  get jmx(): JmxConnectionOptions {
    return {
      ...parseJmxService(this.jmxService),
      username: this.jmxUser ?? this.fromCredentialsFile?.username,
      password: this.jmxPassword ?? this.fromPasswordFile ?? this.fromCredentialsFile?.password,
      ssl: this.jmxSsl,
      trustStore: this.jmxTruststore,
      trustStorePassword: this.jmxTruststorePassword,
      keyStore: this.jmxKeystore,
      keyStorePassword: this.jmxKeystorePassword,
    };
  }
}

export const AGENT_SERVICE: ServiceDescription = {
  name: 'node agent',
  command: 'node dist/apps/node-agent/src/main.js',
  summary: 'runs beside one Cassandra node: talks to it over JMX, registers by host ID, heartbeats and runs its commands.',
  config: AgentConfig,
};
