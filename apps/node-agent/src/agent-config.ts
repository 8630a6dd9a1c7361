import { readFileSync } from 'node:fs';
import { JmxConnectionOptions, loadJmxCredentialsFile } from '@daedalus/jmx';
import { DEFAULT_SETTLEMENT_POLICY, SettlementPolicy } from '@daedalus/messaging';
import { ConfigReader } from '@daedalus/common';
import { DEFAULT_RESERVE_BYTES } from './repository/downloader';

/** Agent settings. JMX flags mirror Icarus's (`--jmx-service`, `--jmx-user`, `--jmx-credentials`, ...). */
export class AgentConfig {
  readonly jmx: JmxConnectionOptions;
  readonly cassandraConfigDir: string;
  readonly cassandraHome?: string;
  /** explicit data directories; else read from cassandra.yaml */
  readonly dataDirs: string[];
  readonly enableTruncate: boolean;
  /** bound for one long node operation (cleanup, scrub, rebuild, decommission, ...) */
  readonly operationTimeoutMs: number;
  /** how often a long operation reads its progress from the node */
  readonly progressIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  readonly startupTimeoutMs: number;
  readonly ackWaitMs: number;
  readonly concurrency: number;
  /** a restore refuses to download when it would leave less than this free on a filesystem */
  readonly restoreReserveBytes: number;
  readonly settlement: SettlementPolicy;

  /** Reads the credentials file (if any) first: Icarus's `--jmx-credentials` properties file. */
  static async load(config: ConfigReader): Promise<AgentConfig> {
    const credentials = config.string('jmx-credentials');
    return new AgentConfig(config, credentials ? await loadJmxCredentialsFile(credentials) : undefined);
  }

  private constructor(config: ConfigReader, fromFile?: { username?: string; password?: string }) {
    const service = config.string('jmx-service', '127.0.0.1:7199');
    const passwordFile = config.string('jmx-password-file');
    this.jmx = {
      ...(service.startsWith('service:jmx:') ? { serviceUrl: service } : AgentConfig.hostPort(service)),
      username: config.string('jmx-user') ?? fromFile?.username,
      password: config.string('jmx-password') ?? (passwordFile ? readFileSync(passwordFile, 'utf8').trim() : fromFile?.password),
      ssl: config.boolean('jmx-ssl', Boolean(config.string('jmx-truststore'))),
      trustStore: config.string('jmx-truststore'),
      trustStorePassword: config.string('jmx-truststore-password'),
      keyStore: config.string('jmx-keystore'),
      keyStorePassword: config.string('jmx-keystore-password'),
    };
    this.cassandraConfigDir = config.string('cassandra-config-dir', '/etc/cassandra');
    this.cassandraHome = config.string('cassandra-dir');
    this.dataDirs = config.list('data-dirs');
    this.enableTruncate = config.boolean('enable-truncate', false);
    this.operationTimeoutMs = AgentConfig.timerMs(config.number('operation-timeout-ms', 24 * 3600_000), 'operation-timeout-ms');
    this.progressIntervalMs = AgentConfig.timerMs(config.number('progress-interval-ms', 2_000), 'progress-interval-ms');
    this.heartbeatIntervalMs = config.number('heartbeat-interval-ms', 2_000);
    this.startupTimeoutMs = config.number('startup-timeout-ms', 5 * 60_000);
    this.ackWaitMs = config.number('ack-wait-ms', 30_000);
    this.concurrency = config.number('concurrency', 4);
    this.restoreReserveBytes = config.number('restore-reserve-bytes', DEFAULT_RESERVE_BYTES);
    this.settlement = { ...DEFAULT_SETTLEMENT_POLICY, maxAttempts: config.number('max-attempts', 5) };
  }

  /** Node timers hold at most 2^31-1 ms (about 24.8 days); a larger value would fire at once. */
  private static timerMs(value: number, flag: string): number {
    if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
      throw new Error(`--${flag} must be a whole number of milliseconds from 1 to 2147483647, got ${value}`);
    }
    return value;
  }

  private static hostPort(service: string): { host: string; port: number } {
    const match = /^(.+):(\d+)$/.exec(service);
    if (!match) throw new Error(`--jmx-service must be host:port or a service:jmx: URL, got "${service}"`);
    return { host: match[1], port: Number(match[2]) };
  }
}
