import { readFileSync } from 'node:fs';
import { IsOptional, IsString } from 'class-validator';
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
import { readWebhooks, Webhook } from './notifications/webhook-config';
import {
  ConfigError,
  ConfigReader,
  errorMessage,
  ConfigSection,
  DAY_MS,
  IntRange,
  MetricsSettings,
  MsFromOption,
  Option,
  PauseHook,
  PauseHookSettings,
  LoggingSettings,
  OptionGroup,
  readOptions,
  ServiceDescription,
  TimerMs,
} from '@daedalus/common';
import { parseRetentionPolicies, RetentionPolicyEntry } from './retention/retention-policies';

/** The retention policies file, or a ConfigError naming the file and each bad field (exit code 2). */
function readRetentionPolicies(file: string): RetentionPolicyEntry[] {
  const flag = '--retention-policies-file (DAEDALUS_RETENTION_POLICIES_FILE)';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${flag} ${file} cannot be read: ${errorMessage(error)}`]);
  }
  const parsed = parseRetentionPolicies(text);
  if (parsed.entries === undefined) throw new ConfigError(parsed.errors.map((problem) => `${flag} ${file}: ${problem}`));
  return parsed.entries;
}

export const DEFAULT_RESTORE_IMPORT_GRACE_MS = 5 * 60_000;
const MAX_RESTORE_IMPORT_GRACE_MS = 7 * DAY_MS;

/** Coordinator settings: flags, or `DAEDALUS_*` / `NATS_*` environment variables (see docs/configuration.md). */
@ConfigSection({ title: 'Coordinator' })
export class CoordinatorConfig {
  /** a node silent for longer than this fails the operations it owes results to */
  @Option({
    flag: 'node-timeout-ms',
    description: 'a node whose heartbeat is older than this fails the operations it owes results to',
    default: 30_000,
    unit: 'ms',
  })
  @IntRange(1_000, MAX_RESTORE_IMPORT_GRACE_MS, 'a whole number of milliseconds')
  readonly nodeTimeoutMs!: number;

  /**
   * how long a node may be silent while a restore it takes part in is past TRUNCATE (TRUNCATE, IMPORT,
   * CLEANUP) before the restore fails: its data is already gone and a restarted agent finishes from its staged
   * files, so it gets longer than `nodeTimeoutMs`
   */
  @Option<CoordinatorConfig>({
    flag: 'restore-import-grace-ms',
    description: 'how long a restore past TRUNCATE waits for a silent node to come back before failing (from --node-timeout-ms to 7 days)',
    default: (c) => Math.max(DEFAULT_RESTORE_IMPORT_GRACE_MS, c.nodeTimeoutMs),
    defaultText: '300000 (5 min), or --node-timeout-ms when longer',
    unit: 'ms',
  })
  @MsFromOption('nodeTimeoutMs', MAX_RESTORE_IMPORT_GRACE_MS, '7 days')
  readonly restoreImportGraceMs!: number;

  /** upper bound of any operation without its own `timeout` */
  @Option({
    flag: 'operation-timeout-ms',
    description: 'how long an operation without its own `timeout` may run (counted from its last resume)',
    default: DAY_MS,
    unit: 'ms',
  })
  @IntRange(1_000, 365 * DAY_MS, 'a whole number of milliseconds')
  readonly defaultOperationTimeoutMs!: number;

  @Option({
    flag: 'sweep-interval-ms',
    description: 'how often the coordinator looks for silent nodes and late operations',
    default: 2_000,
    unit: 'ms',
  })
  @TimerMs(100)
  readonly sweepIntervalMs!: number;

  @Option({
    flag: 'schedule-interval-ms',
    description: 'how often the coordinator looks for schedule runs that came due',
    default: 1_000,
    unit: 'ms',
  })
  @TimerMs(100)
  readonly scheduleIntervalMs!: number;

  /** how long a message a coordinator took stays with it before another replica gets it (failover time) */
  @Option({
    flag: 'ack-wait-ms',
    description: 'how long a message a coordinator took stays with it before another replica gets it (failover time)',
    default: 10_000,
    unit: 'ms',
  })
  @TimerMs(1_000)
  readonly ackWaitMs!: number;

  @Option({ flag: 'concurrency', description: 'messages of each consumer handled at once', default: 16 })
  @IntRange(1, 256)
  readonly concurrency!: number;

  /**
   * Node events are cheap to handle together: the events of one operation that are handled at once are folded
   * into one record write (GroupedMutations), so a larger operation needs more of them in hand at once.
   */
  @Option({
    flag: 'event-concurrency',
    description: 'node events handled at once (those of one operation are written to its record together)',
    default: 128,
  })
  @IntRange(1, 256)
  readonly eventConcurrency!: number;

  @Option({
    flag: 'max-attempts',
    description: 'deliveries of a request or event before it is dead-lettered',
    default: DEFAULT_SETTLEMENT_POLICY.maxAttempts,
  })
  @IntRange(1, 100)
  readonly maxAttempts!: number;

  /** no application stays paused longer than this, whatever happens to the coordinator that paused it */
  @Option({
    flag: 'max-pause-window-ms',
    description:
      'longest an application stays paused for a consistent backup: past it any coordinator fails the backup (if still snapshotting) and resumes the hooks',
    default: 5 * 60_000,
    unit: 'ms',
  })
  @IntRange(1_000, DAY_MS, 'a whole number of milliseconds')
  readonly maxPauseWindowMs!: number;

  @OptionGroup(() => PauseHookSettings)
  readonly pauseHookSettings!: PauseHookSettings;

  @Option({
    flag: 'retention-policies-file',
    description:
      'JSON file of retention applied after each successful global backup: [{"storageLocation": "s3://bucket", "cluster"?: "<name>", "policy": {"keepLast"?, "keepDaily"?, "keepWeekly"?, "keepMonthly"?, "keepWithin"?, "incompleteGrace"?}}]',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly retentionPoliciesFile?: string;

  @Option({
    flag: 'webhooks-file',
    description:
      "JSON file of the webhooks told of operations' final states and of Daedalus's alerts: [{name, url, secretFile, events, format, types}]",
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly webhooksFile?: string;

  @Option({
    flag: 'webhook-lease-ms',
    description:
      'how long a webhook delivery stays with the coordinator sending it without a renewal (one before each attempt); past it another coordinator takes it over',
    default: 30_000,
    unit: 'ms',
  })
  @IntRange(1_000, DAY_MS, 'a whole number of milliseconds')
  readonly webhookLeaseMs!: number;

  @OptionGroup(() => LoggingSettings)
  readonly loggingSettings!: LoggingSettings;

  @OptionGroup(() => NatsSettings)
  readonly natsSettings!: NatsSettings;

  @OptionGroup(() => TopologySettings)
  readonly topologySettings!: TopologySettings;

  @OptionGroup(() => SigningSettings)
  readonly signingSettings!: SigningSettings;

  @OptionGroup(() => MetricsSettings)
  readonly metricsSettings!: MetricsSettings;

  readonly settlement: SettlementPolicy;
  readonly nats: NatsConfig;
  readonly topology: TopologyOptions;
  /** the key records, commands and events are signed with (read at start-up: an unreadable file fails it) */
  readonly signing: Signing;
  /** the pause hooks with their tokens (read at start-up: a bad file fails it, naming the entry and field) */
  readonly pauseHooks: PauseHook[];
  /** from `--retention-policies-file`, validated at start-up (a bad entry fails it, naming the field) */
  readonly retentionPolicies: RetentionPolicyEntry[];
  /** told of every operation's final state (see notifications/) */
  readonly webhooks: Webhook[];

  constructor(reader: ConfigReader = new ConfigReader()) {
    readOptions(this, reader);
    this.settlement = { ...DEFAULT_SETTLEMENT_POLICY, maxAttempts: this.maxAttempts };
    this.nats = this.natsSettings.toNatsConfig('daedalus-coordinator');
    this.topology = this.topologySettings.toTopology(this.nats.replicas);
    this.signing = new Signing(this.signingSettings.signingKey());
    this.pauseHooks = this.pauseHookSettings.hooks();
    this.retentionPolicies = this.retentionPoliciesFile === undefined ? [] : readRetentionPolicies(this.retentionPoliciesFile);
    this.webhooks = this.readWebhooks();
  }

  /** The webhooks, read now (start-up): a bad file is a ConfigError naming the entry and field. */
  private readWebhooks(): Webhook[] {
    if (this.webhooksFile === undefined) return [];
    try {
      return readWebhooks(this.webhooksFile);
    } catch (error) {
      throw new ConfigError([`--webhooks-file ${this.webhooksFile}: ${errorMessage(error)}`]);
    }
  }
}

export const COORDINATOR_SERVICE: ServiceDescription = {
  name: 'coordinator',
  command: 'node dist/apps/coordinator/src/main.js',
  summary: 'turns requests into per-node commands and tracks every operation in JetStream KV; run 2 or more.',
  config: CoordinatorConfig,
};
