import {
  BackupRequest,
  BANDWIDTH_UNITS,
  CommitLogBackupRequest,
  CommitLogRestoreRequest,
  FieldError,
  ListRequest,
  OperationRequest,
  parseOperationRequest,
  RequestValidationError,
  RestoreRequest,
} from '@daedalus/contracts';

/** Esop's options of one command as commander parsed them (flag names in camelCase). */
export type EsopOptions = Record<string, unknown>;

/** A flag the user gave is wrong: the message names the flag, never a request field. */
export class EsopFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EsopFlagError';
  }
}

/**
 * Which Esop flag sets which request field: how a field named by the request validation is told back to the
 * user as the flag they typed. One table for every command (Esop uses the same flag for the same field).
 */
export const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  storageLocation: '--storage-location',
  snapshotTag: '--snapshot-tag',
  entities: '--entities',
  concurrentConnections: '--concurrent-connections',
  timeout: '--timeout',
  duration: '--duration',
  bandwidth: '--bandwidth',
  'bandwidth.value': '--bandwidth',
  'bandwidth.unit': '--bandwidth',
  metadataDirective: '--metadata-directive',
  insecure: '--insecure-http',
  createMissingBucket: '--create-missing-bucket',
  skipBucketVerification: '--skip-bucket-verification',
  skipRefreshing: '--skip-refreshing',
  keepSnapshot: '--keep-snapshot',
  compression: '--compression',
  compressionLevel: '--compression-level',
  schemaVersion: '--schema-version',
  exactSchemaVersion: '--exact-schema-version',
  restorationStrategyType: '--restoration-strategy-type',
  restorationPhase: '--restoration-phase-type',
  rename: '--rename',
  'import.sourceDir': '--import-source-dir',
  cassandraConfigDirectory: '--config-directory',
  updateCassandraYaml: '--update-cassandra-yaml',
  restoreSystemKeyspace: '--restore-system-keyspace',
  restoreSystemAuth: '--restore-system-auth',
  newCluster: '--restore-into-new-cluster',
  noDeleteTruncates: '--restoration-no-delete-truncates',
  noDeleteDownloads: '--restoration-no-delete-downloads',
  noDownloadData: '--restoration-no-download-data',
  resolveHostIdFromTopology: '--resolve-host-id-from-topology',
  'retry.enabled': '--retry-enabled',
  'retry.interval': '--retry-interval',
  'retry.strategy': '--retry-strategy',
  'retry.maxAttempts': '--retry-max-attempts',
  'proxySettings.useProxy': '--use-proxy',
  'proxySettings.proxyHost': '--proxy-host',
  'proxySettings.proxyPort': '--proxy-port',
  'proxySettings.proxyProtocol': '--proxy-protocol',
  'proxySettings.proxyUsername': '--proxy-username',
  'proxySettings.proxyPassword': '--proxy-password',
  kmsKeyId: '--kms-key-id',
  fromTimestamp: '--from-timestamp',
  lastN: '--last-n',
  resolveNodes: '--resolve-nodes',
  humanUnits: '--human-units',
  json: '--json',
  toFile: '--to-file',
  cacheDir: '--cache-dir',
  skipDownload: '--skip-download',
  commitLog: '--commit-log',
  commitLogArchiveOverride: '--commitlog-archive-override',
  cassandraCommitLogDirectory: '--commit-log-dir',
  online: '--online',
  commitlogDownloadDir: '--commitlog-download-dir',
  timestampStart: '--timestamp-start',
  timestampEnd: '--timestamp-end',
  keyspaceTables: '--keyspace-tables',
};

/** The flag a request field came from (the field itself for one no flag sets). */
export function flagOf(field: string): string {
  return FLAG_OF_FIELD[field] ?? field;
}

/** A validation problem, told with the flag: "snapshotTag must be ..." becomes "--snapshot-tag must be ...". */
export function flagMessage(error: FieldError): string {
  const flag = flagOf(error.field);
  const leaf = error.field.split('.').pop() ?? error.field;
  let message = error.message;
  for (const name of [error.field, leaf]) {
    if (message.includes(name)) {
      message = message.split(name).join(flag);
      break;
    }
  }
  return message.includes(flag) ? message : `${flag}: ${message}`;
}

/** Esop's `--bandwidth 10MBPS` (or "10 MBPS") as the request's BandwidthDto. */
export function parseBandwidth(text: string): { value: number; unit: string } {
  const match = /^\s*(\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  const unit = match?.[2].toUpperCase();
  if (!match || !unit || !(BANDWIDTH_UNITS as readonly string[]).includes(unit)) {
    throw new EsopFlagError(`--bandwidth: "${text}" is not <number><unit> with a unit of ${BANDWIDTH_UNITS.join(', ')} (e.g. 10MBPS)`);
  }
  return { value: Number(match[1]), unit };
}

/** Esop's `--rename ks.old=ks.new` (repeatable, or comma-separated) as the request's map. */
export function parseRename(values: string[]): Record<string, string> {
  const rename: Record<string, string> = {};
  for (const pair of values.flatMap((v) => v.split(','))) {
    const [from, to, ...rest] = pair.split('=');
    if (!from || !to || rest.length > 0) throw new EsopFlagError(`--rename: "${pair}" is not ks.table=ks.other_table`);
    rename[from.trim()] = to.trim();
  }
  return rename;
}

const defined = (entries: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

/** The flags every storage command shares (Esop's AbstractOperationRequest, its proxy and retry mixins). */
function storageFields(o: EsopOptions): Record<string, unknown> {
  if (o.k8sSecretName !== undefined || o.k8sNamespace !== undefined) {
    throw new EsopFlagError(
      '--k8s-namespace/--k8s-secret-name: not supported: local mode reads storage credentials from the environment ' +
        '(AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*), never from a Kubernetes secret',
    );
  }
  const proxy = defined({
    useProxy: o.useProxy,
    proxyHost: o.proxyHost,
    proxyPort: o.proxyPort,
    proxyProtocol: o.proxyProtocol,
    proxyUsername: o.proxyUsername,
    proxyPassword: o.proxyPassword,
  });
  const retry = defined({ enabled: o.retryEnabled, interval: o.retryInterval, strategy: o.retryStrategy, maxAttempts: o.retryMaxAttempts });
  return defined({
    storageLocation: o.storageLocation,
    concurrentConnections: o.concurrentConnections,
    insecure: o.insecureHttp,
    skipBucketVerification: o.skipBucketVerification,
    kmsKeyId: o.kmsKeyId,
    proxySettings: Object.keys(proxy).length > 0 ? proxy : undefined,
    retry: Object.keys(retry).length > 0 ? retry : undefined,
  });
}

/** The request body of each command, field by field from its flags (before validation). */
export const REQUEST_BODIES = {
  backup: (o: EsopOptions) => ({
    type: 'backup',
    ...storageFields(o),
    ...defined({
      snapshotTag: o.snapshotTag,
      entities: o.entities,
      duration: o.duration,
      bandwidth: typeof o.bandwidth === 'string' ? parseBandwidth(o.bandwidth) : undefined,
      timeout: o.timeout,
      metadataDirective: o.metadataDirective,
      createMissingBucket: o.createMissingBucket,
      skipRefreshing: o.skipRefreshing,
      keepSnapshot: o.keepSnapshot,
      compression: o.compression,
      compressionLevel: o.compressionLevel,
    }),
  }),
  restore: (o: EsopOptions) => {
    const importing = defined({ sourceDir: o.importSourceDir });
    return {
      type: 'restore',
      ...storageFields(o),
      ...defined({
        snapshotTag: o.snapshotTag,
        entities: o.entities,
        restorationStrategyType: typeof o.restorationStrategyType === 'string' ? o.restorationStrategyType.toUpperCase() : undefined,
        restorationPhase: typeof o.restorationPhaseType === 'string' ? o.restorationPhaseType.toUpperCase() : undefined,
        import: Object.keys(importing).length > 0 ? importing : undefined,
        rename: Array.isArray(o.rename) && o.rename.length > 0 ? parseRename(o.rename as string[]) : undefined,
        cassandraConfigDirectory: o.configDirectory,
        updateCassandraYaml: o.updateCassandraYaml,
        restoreSystemKeyspace: o.restoreSystemKeyspace,
        restoreSystemAuth: o.restoreSystemAuth,
        newCluster: o.restoreIntoNewCluster,
        noDeleteTruncates: o.restorationNoDeleteTruncates,
        noDeleteDownloads: o.restorationNoDeleteDownloads,
        noDownloadData: o.restorationNoDownloadData,
        schemaVersion: o.schemaVersion,
        exactSchemaVersion: o.exactSchemaVersion,
        resolveHostIdFromTopology: o.resolveHostIdFromTopology,
        timeout: o.timeout,
        bandwidth: typeof o.bandwidth === 'string' ? parseBandwidth(o.bandwidth) : undefined,
      }),
    };
  },
  list: (o: EsopOptions) => ({
    type: 'list',
    ...storageFields(o),
    ...defined({
      fromTimestamp: o.fromTimestamp,
      lastN: o.lastN,
      resolveNodes: o.resolveNodes,
      humanUnits: o.humanUnits,
      toFile: o.toFile,
      cacheDir: o.cacheDir,
      skipDownload: o.skipDownload,
    }),
  }),
  'commitlog-backup': (o: EsopOptions) => ({
    type: 'commitlog-backup',
    ...storageFields(o),
    ...defined({
      commitLog: o.commitLog,
      commitLogArchiveOverride: o.commitlogArchiveOverride,
      cassandraCommitLogDirectory: o.commitLogDir,
      online: o.online,
      duration: o.duration,
      bandwidth: typeof o.bandwidth === 'string' ? parseBandwidth(o.bandwidth) : undefined,
      timeout: o.timeout,
    }),
  }),
  'commitlog-restore': (o: EsopOptions) => ({
    type: 'commitlog-restore',
    ...storageFields(o),
    ...defined({
      cassandraCommitLogDirectory: o.commitLogDir,
      cassandraConfigDirectory: o.configDirectory,
      commitlogDownloadDir: o.commitlogDownloadDir,
      timestampStart: o.timestampStart,
      timestampEnd: o.timestampEnd,
      keyspaceTables: o.keyspaceTables,
      timeout: o.timeout,
    }),
  }),
} as const;

export type EsopCommandName = keyof typeof REQUEST_BODIES;

interface RequestOf {
  backup: BackupRequest;
  restore: RestoreRequest;
  list: ListRequest;
  'commitlog-backup': CommitLogBackupRequest;
  'commitlog-restore': CommitLogRestoreRequest;
}

/**
 * The command's flags as the operation request the agent's executors take, validated by the same rules the
 * gateway applies (`parseOperationRequest`); a problem is an EsopFlagError naming the flags.
 */
export function esopRequest<C extends EsopCommandName>(command: C, options: EsopOptions): RequestOf[C] {
  const body = REQUEST_BODIES[command](options);
  let request: OperationRequest;
  try {
    request = parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) throw new EsopFlagError(error.errors.map(flagMessage).join('; '));
    throw error;
  }
  return request as RequestOf[C];
}
