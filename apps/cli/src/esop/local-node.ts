import { readFile } from 'node:fs/promises';
import { AgentRoots, fileStoreDirectory, NodeRegistration, RestoreRequest, SCHEMA_VERSION } from '@daedalus/contracts';
import { ConfigError, errorMessage } from '@daedalus/common';
import { JmxConnectionOptions } from '@daedalus/jmx';
import { StorageBackend, StorageLocation } from '@daedalus/storage';
import { CassandraNode } from '../../../node-agent/src/cassandra/cassandra-node';
import { readCassandraLayout } from '../../../node-agent/src/cassandra/cassandra-yaml';
import { readTableIds } from '../../../node-agent/src/cassandra/table-directories';
import { agentRoots, registeredRoots } from '../../../node-agent/src/paths/agent-roots';
import { NodeIdentity } from '../../../node-agent/src/registration/node-identity';
import { describedNode } from '../../../node-agent/src/registration/described-node';
import { listBackups } from '../../../node-agent/src/repository/backup-catalog';
import { BackupLayout } from '../../../node-agent/src/repository/backup-layout';
import { readNodeManifest } from '../../../node-agent/src/repository/manifest-store';
import { AgentConfig } from '../../../node-agent/src/agent-config';
import { ClientEncryption } from '../../../node-agent/src/repository/encryption';
import { EsopFlagError } from './esop-requests';

const LOCAL_AGENT_VERSION = '0.1.0-esop';

/** The flags that say where the local node is and who it is (not request fields: the agent's own settings). */
export interface NodeFlags {
  jmxService?: string;
  jmxUser?: string;
  jmxPassword?: string;
  jmxPasswordFile?: string;
  dataDir?: string[];
  configDirectory: string;
  cassandraDir?: string;
  stagingDir?: string;
  hostId?: string;
  dc?: string;
  clusterName?: string;
  address?: string;
  tableId?: string[];
  encryptionKeyFile?: string;
}

/** The node as the flags and the backup (or JMX) describe it: what the executors read as "this node". */
export class LocalIdentity extends NodeIdentity {
  constructor(private readonly registration: NodeRegistration) {
    super();
  }
  get current(): NodeRegistration {
    return this.registration;
  }
  get roots(): AgentRoots {
    return registeredRoots(this.registration);
  }
}

/** `--data-dir` (repeatable), else cassandra.yaml's data_file_directories (with `--cassandra-dir` as CASSANDRA_HOME). */
export async function dataDirectories(flags: NodeFlags): Promise<string[]> {
  if (flags.dataDir && flags.dataDir.length > 0) return flags.dataDir;
  try {
    return (await readCassandraLayout(flags.configDirectory, flags.cassandraDir)).dataDirectories;
  } catch (error) {
    throw new EsopFlagError(
      `--data-dir not given and --config-directory ${flags.configDirectory} does not tell them: ${errorMessage(error)}`,
    );
  }
}

/**
 * The directories local mode may write, as the agent's roots (design.md "Paths and roots") with defaults from
 * the given directories: the file store the location names, staging beside the first data directory (or
 * `--staging-dir`), cassandra.yaml only in `--config-directory`.
 */
export function localRoots(flags: NodeFlags, dataDirs: string[], storageLocation: string): AgentRoots {
  const store = fileStoreDirectory(storageLocation);
  return agentRoots(
    {
      fileStoreRoots: store ? [store] : [],
      importRoots: [],
      stagingRoots: flags.stagingDir ? [flags.stagingDir] : [],
      configRoots: [],
      cassandraConfigDir: flags.configDirectory,
    },
    dataDirs,
  );
}

/** The JMX connection from `--jmx-service` (host:port or a service:jmx: URL); undefined without it. */
export async function jmxConnection(flags: NodeFlags): Promise<JmxConnectionOptions | undefined> {
  if (!flags.jmxService) {
    if (flags.jmxUser || flags.jmxPassword || flags.jmxPasswordFile)
      throw new EsopFlagError('--jmx-user/--jmx-password need --jmx-service');
    return undefined;
  }
  const hostPort = /^(.+):(\d+)$/.exec(flags.jmxService);
  const target = flags.jmxService.startsWith('service:jmx:')
    ? { serviceUrl: flags.jmxService }
    : hostPort && Number(hostPort[2]) >= 1 && Number(hostPort[2]) <= 65535
      ? { host: hostPort[1], port: Number(hostPort[2]) }
      : undefined;
  if (!target) throw new EsopFlagError(`--jmx-service: "${flags.jmxService}" is neither host:port nor a service:jmx: URL`);
  let password = flags.jmxPassword;
  if (flags.jmxPasswordFile) {
    // the file's content is never shown, only that it could not be read
    password = (
      await readFile(flags.jmxPasswordFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new EsopFlagError(`--jmx-password-file ${flags.jmxPasswordFile} cannot be read (${error.code ?? 'error'})`);
      })
    ).trim();
  }
  return { ...target, username: flags.jmxUser, password };
}

/** `--table-id ks.table=<32 hex>` (repeatable): the live ids of tables a stopped node had. */
export function tableIdFlags(values: string[] = []): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const value of values) {
    const match = /^([A-Za-z0-9_]{1,48}\.[A-Za-z0-9_]{1,48})=([0-9a-f]{32})$/.exec(value.trim());
    if (!match) throw new EsopFlagError(`--table-id: "${value}" is not keyspace.table=<32 lowercase hex digits>`);
    ids[match[1]] = match[2];
  }
  return ids;
}

/** Who the running node is, read over JMX as the agent's registration reads it. */
export async function liveRegistration(node: CassandraNode, dataDirs: string[], roots: AgentRoots): Promise<NodeRegistration> {
  const description = await node.describe();
  const schema = await node.schema();
  const now = new Date().toISOString();
  return {
    schemaVersion: SCHEMA_VERSION,
    ...describedNode(description),
    dataDirectories: dataDirs,
    agentVersion: LOCAL_AGENT_VERSION,
    startedAt: now,
    heartbeatAt: now,
    keyspaces: schema,
    tableIds: await readTableIds(node, schema, {}),
    roots,
  };
}

/**
 * Who a stopped (or rebuilt-from-nothing) node is, with no JMX: the backup's node named by `--host-id`, or —
 * `--resolve-host-id-from-topology` — the one whose address is `--address`, as the backup recorded it. Its
 * tokens, DC and rack come from its manifest; the tables' live ids from `--table-id` (a table without one gets
 * the backed-up id, see in-place.ts).
 */
export async function stoppedRegistration(
  backend: StorageBackend,
  location: StorageLocation,
  request: RestoreRequest,
  flags: NodeFlags,
  dataDirs: string[],
  roots: AgentRoots,
): Promise<NodeRegistration> {
  const cluster = location.path[0] ?? flags.clusterName ?? (await onlyCluster(backend, location));
  if (flags.clusterName && flags.clusterName !== cluster)
    throw new EsopFlagError(`--cluster-name ${flags.clusterName} is not the cluster of --storage-location (${cluster})`);
  // Esop's node path …/cluster/dc/<node> names the node, unless it is to be found by address
  const pathHostId = location.path.length === 3 && !request.resolveHostIdFromTopology ? location.path[2] : undefined;
  if (flags.hostId && pathHostId && flags.hostId !== pathHostId)
    throw new EsopFlagError(`--host-id ${flags.hostId} is not the node --storage-location names (${pathHostId})`);
  const hostId = flags.hostId ?? pathHostId;
  if (!hostId && !(request.resolveHostIdFromTopology && flags.address)) {
    throw new EsopFlagError(
      'without --jmx-service the node to restore must be named: --host-id (or a --storage-location ending in /<cluster>/<dc>/<host ID>), ' +
        'or --resolve-host-id-from-topology with --address',
    );
  }
  const backups = await listBackups(backend, { ...location, path: [cluster] });
  const backup =
    backups.find((b) => b.name === request.snapshotTag) ?? backups.find((b) => b.snapshotTag === request.snapshotTag && b.complete);
  if (!backup) throw new EsopFlagError(`--snapshot-tag: no backup named or tagged "${request.snapshotTag}" for cluster ${cluster}`);
  const candidates = backup.nodes.filter((n) => (hostId ? n.hostId === hostId : true));
  for (const candidate of candidates) {
    const manifest = await readNodeManifest(
      backend,
      BackupLayout.manifest({ cluster, dc: candidate.dc, hostId: candidate.hostId }, backup.name),
    );
    if (!hostId && manifest.address !== flags.address) continue;
    if (flags.dc && manifest.dc !== flags.dc)
      throw new EsopFlagError(`--dc ${flags.dc}: node ${manifest.hostId} is in ${manifest.dc} in backup ${backup.name}`);
    const now = new Date().toISOString();
    return {
      schemaVersion: SCHEMA_VERSION,
      hostId: manifest.hostId,
      address: manifest.address,
      dc: manifest.dc,
      rack: manifest.rack,
      tokens: manifest.tokens,
      clusterName: cluster,
      cassandraVersion: manifest.cassandraVersion,
      schemaVersionId: manifest.cassandraSchemaVersion,
      operationMode: 'STOPPED',
      dataDirectories: dataDirs,
      agentVersion: LOCAL_AGENT_VERSION,
      startedAt: now,
      heartbeatAt: now,
      tableIds: tableIdFlags(flags.tableId),
      roots,
    };
  }
  throw new EsopFlagError(
    hostId
      ? `--host-id: backup ${backup.name} has no node ${hostId}`
      : `--address: no node of backup ${backup.name} had the address ${flags.address}`,
  );
}

/** The cluster a bucket holds backups of, when it holds one only (else the user names it). */
async function onlyCluster(backend: StorageBackend, location: StorageLocation): Promise<string> {
  const clusters = [...new Set((await listBackups(backend, { ...location, path: [] })).map((b) => b.cluster))];
  if (clusters.length === 1) return clusters[0];
  throw new EsopFlagError(
    clusters.length === 0
      ? `--storage-location ${location.raw} holds no backups`
      : `--cluster-name: ${location.raw} holds backups of ${clusters.join(', ')}; name one`,
  );
}

/**
 * Client-side encryption as the agent has it: the key from `--encryption-key-file` or DAEDALUS_ENCRYPTION_KEY
 * (backups taken with it are sealed; restoring them needs it). A problem names the setting, never the key.
 */
export async function localEncryption(flags: NodeFlags): Promise<ClientEncryption> {
  try {
    return new ClientEncryption(await AgentConfig.readEncryptionKey(flags.encryptionKeyFile, process.env.DAEDALUS_ENCRYPTION_KEY));
  } catch (error) {
    if (error instanceof ConfigError) throw new EsopFlagError(error.message);
    throw error;
  }
}

/**
 * Who a node is for its commit logs, with no JMX and no backup to ask: Esop's node path
 * `…/<cluster>/<dc>/<host ID>`, or `--cluster-name`, `--dc` and `--host-id` with a location naming the bucket
 * only (flags given with a node path must agree with it). The commit-log executors read only the host ID, DC,
 * cluster and roots; the rest says plainly that it is unknown.
 */
export function commitLogRegistration(
  location: StorageLocation,
  flags: NodeFlags,
  dataDirs: string[],
  roots: AgentRoots,
): NodeRegistration {
  const [pathCluster, pathDc, pathHostId] = location.path.length === 3 ? location.path : [];
  if (location.path.length !== 0 && location.path.length !== 3)
    throw new EsopFlagError(`--storage-location ${location.raw} must name the bucket only, or end in /<cluster>/<dc>/<host ID>`);
  const pick = (flag: string, given: string | undefined, fromPath: string | undefined): string => {
    if (given !== undefined && fromPath !== undefined && given !== fromPath)
      throw new EsopFlagError(`${flag} ${given} is not the one --storage-location names (${fromPath})`);
    const value = given ?? fromPath;
    if (value === undefined)
      throw new EsopFlagError(
        `${flag}: without --jmx-service name the node (${flag}, or a --storage-location ending in /<cluster>/<dc>/<host ID>)`,
      );
    return value;
  };
  const clusterName = pick('--cluster-name', flags.clusterName, pathCluster);
  const dc = pick('--dc', flags.dc, pathDc);
  const hostId = pick('--host-id', flags.hostId, pathHostId);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(hostId))
    throw new EsopFlagError(`--host-id: "${hostId.slice(0, 64)}" is not a Cassandra host ID (a UUID)`);
  for (const [flag, value] of [
    ['--cluster-name', clusterName],
    ['--dc', dc],
  ] as const) {
    if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value))
      throw new EsopFlagError(`${flag}: "${value.slice(0, 64)}" cannot name a storage path`);
  }
  const now = new Date().toISOString();
  return {
    schemaVersion: SCHEMA_VERSION,
    hostId,
    address: flags.address ?? 'unknown',
    dc,
    rack: 'unknown',
    tokens: [],
    clusterName,
    cassandraVersion: 'unknown',
    schemaVersionId: 'unknown',
    operationMode: 'UNKNOWN',
    dataDirectories: dataDirs,
    agentVersion: LOCAL_AGENT_VERSION,
    startedAt: now,
    heartbeatAt: now,
    tableIds: {},
    roots,
  };
}
