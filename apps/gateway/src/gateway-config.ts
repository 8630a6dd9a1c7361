import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { SecretKeyring } from '@daedalus/contracts';
import { NatsConfig, NatsSettings, TopologyOptions, TopologySettings } from '@daedalus/messaging';
import { AuthSettings, HttpsSettings } from './auth/auth-settings';
import {
  ConfigError,
  ConfigReader,
  ConfigSection,
  DAY_MS,
  IntRange,
  Option,
  LoggingSettings,
  OptionGroup,
  PauseHookSettings,
  Port,
  readOptions,
  RequestSecretsSettings,
  ServiceDescription,
  TimerMs,
} from '@daedalus/common';

/** Gateway settings: flags, or `DAEDALUS_*` / `NATS_*` environment variables (see docs/configuration.md). */
@ConfigSection({ title: 'Gateway' })
export class GatewayConfig {
  @Option({
    flag: 'http-host',
    description: 'address the HTTP API listens on (0.0.0.0: every interface)',
    default: '127.0.0.1',
    placeholder: 'address',
  })
  @IsString()
  @IsNotEmpty()
  readonly host!: string;

  @Option({ flag: 'http-port', description: 'port the HTTP API listens on', default: 4567, placeholder: 'port' })
  @Port()
  readonly port!: number;

  /** host ID or address of the node this gateway stands beside (Icarus's "local node"), if any */
  @Option({
    flag: 'local-node',
    description:
      "host ID or address of the node a request without hostId/address/globalRequest runs on, and /status, /config, /version/* answer for (Icarus's local node); auto = the agent registered with one of this machine's addresses or its hostname (the sidecar deployment)",
    placeholder: 'hostId|address|auto',
  })
  @IsOptional()
  @IsString()
  readonly localNode?: string;

  @Option({ flag: 'max-body-bytes', description: 'largest request body accepted', default: 256 * 1024, unit: 'bytes' })
  @IntRange(1_024, 1024 ** 3)
  readonly maxBodyBytes!: number;

  @Option({
    flag: 'node-timeout-ms',
    description: "a node whose heartbeat is older than this shows as not alive (give it the coordinators' value)",
    default: 30_000,
    unit: 'ms',
  })
  @IntRange(1_000, 7 * DAY_MS, 'a whole number of milliseconds')
  readonly nodeTimeoutMs!: number;

  /** how long /status, /version/* and /topology wait for a node agent's live answer before using the registry */
  @Option({
    flag: 'node-query-timeout-ms',
    description: 'how long a live question to the agents may take (/status, /version/*, /topology, names the registrations lack)',
    default: 3_000,
    unit: 'ms',
  })
  @TimerMs(1)
  readonly nodeQueryTimeoutMs!: number;

  @Option({
    flag: 'events-max-streams',
    description: 'most event streams (GET /events, /operations/{id}/events) this gateway serves at once; beyond it 503',
    default: 64,
  })
  @IntRange(1, 10_000)
  readonly eventsMaxStreams!: number;

  @Option({
    flag: 'events-heartbeat-ms',
    description: 'how often an event stream sends a comment line, so proxies keep an idle stream open',
    default: 15_000,
    unit: 'ms',
  })
  @IntRange(100, 300_000, 'a whole number of milliseconds')
  readonly eventsHeartbeatMs!: number;

  @OptionGroup(() => AuthSettings)
  readonly auth!: AuthSettings;

  @OptionGroup(() => HttpsSettings)
  readonly https!: HttpsSettings;

  @OptionGroup(() => LoggingSettings)
  readonly loggingSettings!: LoggingSettings;

  @OptionGroup(() => NatsSettings)
  readonly natsSettings!: NatsSettings;

  @OptionGroup(() => TopologySettings)
  readonly topologySettings!: TopologySettings;

  @OptionGroup(() => RequestSecretsSettings)
  readonly requestSecretsSettings!: RequestSecretsSettings;

  @OptionGroup(() => PauseHookSettings)
  readonly pauseHookSettings!: PauseHookSettings;

  /** the pause hooks a consistent backup may name (their tokens are the coordinators' alone) */
  readonly pauseHookNames: string[];

  readonly nats: NatsConfig;
  readonly topology: TopologyOptions;
  /** seals the secrets of requests (absent: a request carrying one is refused) */
  readonly requestSecrets?: SecretKeyring;

  constructor(reader: ConfigReader = new ConfigReader()) {
    readOptions(this, reader);
    const problems = [...this.https.problems(), ...this.auth.problems(this.https)];
    if (problems.length > 0) throw new ConfigError(problems);
    this.nats = this.natsSettings.toNatsConfig('daedalus-gateway');
    this.topology = this.topologySettings.toTopology(this.nats.replicas);
    const keys = this.requestSecretsSettings.keys();
    if (keys) this.requestSecrets = new SecretKeyring(keys);
    this.pauseHookNames = this.pauseHookSettings.definitions().map((hook) => hook.name);
  }
}

export const GATEWAY_SERVICE: ServiceDescription = {
  name: 'gateway',
  command: 'node dist/apps/gateway/src/main.js',
  summary:
    'Icarus-compatible HTTP API (OpenAPI at /api-docs, AsyncAPI at /asyncapi.json, /healthz, Prometheus /metrics) over NATS JetStream.',
  config: GatewayConfig,
};
