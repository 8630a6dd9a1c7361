import { AgentRoots, BackupUploadResult, OperationRequest, RestoreRequest } from '@daedalus/contracts';
import { OperationExecutor } from '../../../node-agent/src/operations/executor';
import { SystemClock } from '@daedalus/common';
import { JmxBridgeClient, JmxClient } from '@daedalus/jmx';
import { CassandraNode } from '../../../node-agent/src/cassandra/cassandra-node';
import { JmxCassandraNode } from '../../../node-agent/src/cassandra/jmx-cassandra-node';
import { CassandraSnapshots, JmxCassandraSnapshots } from '../../../node-agent/src/cassandra/snapshots';
import { BackupExecutor } from '../../../node-agent/src/operations/backup/backup.executor';
import { ListExecutor } from '../../../node-agent/src/operations/backup/list.executor';
import { RestoreExecutor } from '../../../node-agent/src/operations/restore/restore.executor';
import { CommitLogBackupExecutor, CommitLogBackupResult } from '../../../node-agent/src/operations/commitlog/commitlog-backup.executor';
import { CommitLogRestoreExecutor, CommitLogRestoreResult } from '../../../node-agent/src/operations/commitlog/commitlog-restore.executor';
import { confineRequest, OutsideRootsError } from '../../../node-agent/src/paths/confinement';
import { BackupSummary } from '../../../node-agent/src/repository/backup-catalog';
import { DEFAULT_RESERVE_BYTES } from '../../../node-agent/src/repository/downloader';
import { ManifestCache } from '../../../node-agent/src/repository/manifest-store';
import { InFlightUploads } from '../../../node-agent/src/repository/in-flight-uploads';
import { anyStorageLocation, openRequestBackend } from '../../../node-agent/src/repository/request-storage';
import { EsopFlagError, EsopOptions, esopRequest, flagOf } from './esop-requests';
import {
  commitLogRegistration,
  dataDirectories,
  jmxConnection,
  liveRegistration,
  localEncryption,
  LocalIdentity,
  localRoots,
  NodeFlags,
  stoppedRegistration,
} from './local-node';
import { LocalRestoreLedger, ProgressSink, runLocally } from './local-run';
import { OutputMode, progressSink } from './output';
import { StoppedCassandraNode, StoppedSnapshots } from './stopped-cassandra-node';

/** What a command prints: a line for people, a document for `--output json`. */
export interface LocalResult {
  text: string;
  json: unknown;
}

const nodeFlags = (o: EsopOptions): NodeFlags => ({
  jmxService: o.jmxService as string | undefined,
  jmxUser: o.jmxUser as string | undefined,
  jmxPassword: o.jmxPassword as string | undefined,
  jmxPasswordFile: o.jmxPasswordFile as string | undefined,
  dataDir: o.dataDir as string[] | undefined,
  configDirectory: (o.configDirectory as string | undefined) ?? '/etc/cassandra',
  cassandraDir: o.cassandraDir as string | undefined,
  stagingDir: o.stagingDir as string | undefined,
  hostId: o.hostId as string | undefined,
  dc: o.dc as string | undefined,
  clusterName: o.clusterName as string | undefined,
  address: o.address as string | undefined,
  tableId: o.tableId as string[] | undefined,
  encryptionKeyFile: o.encryptionKeyFile as string | undefined,
});

/** Nothing is read or written outside the roots (design.md "Paths and roots"); a path outside names its flag. */
async function confineLocally(request: OperationRequest, roots: AgentRoots): Promise<void> {
  try {
    await confineRequest(request, () => roots);
  } catch (error) {
    if (error instanceof OutsideRootsError) throw new EsopFlagError(error.message.split(error.field).join(flagOf(error.field)));
    throw error;
  }
}

/** The running node over JMX, closed by `release`. */
interface LiveNode {
  node: CassandraNode;
  snapshots: CassandraSnapshots;
  release(): Promise<void>;
}

async function connect(flags: NodeFlags): Promise<LiveNode | undefined> {
  const connection = await jmxConnection(flags);
  if (!connection) return undefined;
  const jmx: JmxClient = new JmxBridgeClient({ ...connection, logger: { log: () => undefined, warn: () => undefined } });
  const node = new JmxCassandraNode(jmx);
  return {
    node,
    snapshots: new JmxCassandraSnapshots(jmx, () => node.releaseVersion()),
    release: async () => {
      await node.close().catch(() => undefined);
      await jmx.close().catch(() => undefined);
    },
  };
}

/** Stops the run at the next safe point on Ctrl-C (as a cancel does in the agent). */
function interruptible(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Progress to the sink; the work stops on Ctrl-C, and after `timeoutHours` (Esop's --timeout) when given. */
async function withSink<T>(
  mode: OutputMode,
  work: (sink: ProgressSink, signal: AbortSignal) => Promise<T>,
  timeoutHours?: number,
): Promise<T> {
  const sink = progressSink(mode);
  const interrupt = interruptible();
  const signal = timeoutHours ? AbortSignal.any([interrupt.signal, AbortSignal.timeout(timeoutHours * 3600_000)]) : interrupt.signal;
  try {
    return await work(sink, signal);
  } finally {
    sink.close();
    interrupt.release();
  }
}

/**
 * The location a node backup writes to: Esop's `…/bucket/cluster/dc/node`, which must be this node's; or the
 * bucket alone, completed with the node's cluster, DC and host ID.
 */
function nodeLocation(raw: string, me: { clusterName: string; dc: string; hostId: string }): string {
  const location = anyStorageLocation(raw, { datacenters: [me.dc] });
  if (location.path.length === 0) return `${raw.replace(/\/$/, '')}/${me.clusterName}/${me.dc}/${me.hostId}`;
  const [, dc, hostId] = location.path;
  if (location.path.length !== 3 || dc !== me.dc || hostId !== me.hostId) {
    throw new EsopFlagError(`--storage-location ${raw} must end in /<cluster>/${me.dc}/${me.hostId} (this node) or name only the bucket`);
  }
  return raw;
}

export async function backupLocally(options: EsopOptions): Promise<LocalResult> {
  const request = esopRequest('backup', options);
  const flags = nodeFlags(options);
  const encryption = await localEncryption(flags);
  const live = await connect(flags);
  if (!live) throw new EsopFlagError('--jmx-service: a backup snapshots the running node; name its JMX endpoint');
  try {
    const dataDirs = await dataDirectories(flags);
    const roots = localRoots(flags, dataDirs, request.storageLocation);
    const me = await liveRegistration(live.node, dataDirs, roots);
    request.storageLocation = nodeLocation(request.storageLocation, me);
    await confineLocally(request, roots);
    const executor = new BackupExecutor(
      live.node,
      live.snapshots,
      new LocalIdentity(me),
      new ManifestCache(),
      new InFlightUploads(),
      new SystemClock(),
      openRequestBackend,
      encryption,
    );
    const results = await withSink(options.output as OutputMode, (sink, signal) =>
      runLocally(executor, request, ['UPLOAD'], { hostId: me.hostId, sink, signal }),
    );
    const upload = results.UPLOAD as BackupUploadResult;
    return {
      text:
        `backup ${upload.backupName} of node ${me.hostId} (${me.dc}) is in ${request.storageLocation}: ` +
        `${upload.totals.files} files, ${upload.totals.bytes} bytes (${upload.totals.uploadedBytes} uploaded)`,
      json: { hostId: me.hostId, dc: me.dc, storageLocation: request.storageLocation, ...upload },
    };
  } finally {
    await live.release();
  }
}

/** The phases a local restore runs: IN_PLACE alone; else from INIT (or the named start) to CLEANUP, or one named phase. */
export function restorePhases(request: RestoreRequest): string[] {
  if (request.restorationStrategyType === 'IN_PLACE') return ['IN_PLACE'];
  const all = ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];
  const phase = request.restorationPhase;
  if (phase === undefined || phase === 'INIT') return all;
  if (phase === 'DOWNLOAD') return all.slice(1);
  return [phase];
}

/** Flags only one kind of restore reads are refused with the other, never ignored. */
function refuseUnusedNodeFlags(flags: NodeFlags, inPlace: boolean): void {
  const given = (pairs: Array<[string, unknown]>) =>
    pairs.filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)).map(([flag]) => flag);
  if (inPlace) {
    const unused = given([['--staging-dir', flags.stagingDir]]);
    if (unused.length > 0) throw new EsopFlagError(`${unused.join(', ')}: an IN_PLACE restore stages nothing`);
    return;
  }
  const identity = given([
    ['--host-id', flags.hostId],
    ['--dc', flags.dc],
    ['--address', flags.address],
    ['--cluster-name', flags.clusterName],
    ['--table-id', flags.tableId],
  ]);
  if (identity.length > 0)
    throw new EsopFlagError(`${identity.join(', ')}: only for an IN_PLACE restore without JMX (with JMX the node says who it is)`);
}

export async function restoreLocally(options: EsopOptions): Promise<LocalResult> {
  const request = esopRequest('restore', options);
  const flags = nodeFlags(options);
  const encryption = await localEncryption(flags);
  const inPlace = request.restorationStrategyType === 'IN_PLACE';
  refuseUnusedNodeFlags(flags, inPlace);
  const live = await connect(flags);
  if (!live && !inPlace)
    throw new EsopFlagError(
      `--jmx-service: an ${request.restorationStrategyType} restore loads into the running node; name its JMX endpoint`,
    );
  try {
    const dataDirs = await dataDirectories(flags);
    const roots = localRoots(flags, dataDirs, request.storageLocation);
    let me;
    if (inPlace) {
      // the node is stopped: who it is comes from the flags and the backup, never from JMX
      const location = anyStorageLocation(request.storageLocation, { datacenters: flags.dc ? [flags.dc] : [] });
      const backend = await openRequestBackend(location, { ...request, createMissingBucket: false });
      try {
        me = await stoppedRegistration(backend, location, request, flags, dataDirs, roots);
      } finally {
        await backend.close();
      }
    } else {
      me = await liveRegistration((live as LiveNode).node, dataDirs, roots);
    }
    await confineLocally(request, roots);
    const ledger = new LocalRestoreLedger(me.hostId);
    const executor = new RestoreExecutor(
      live?.node ?? new StoppedCassandraNode(),
      live?.snapshots ?? new StoppedSnapshots(),
      new LocalIdentity(me),
      ledger,
      { configDir: flags.configDirectory, cassandraHome: flags.cassandraDir, reserveBytes: DEFAULT_RESERVE_BYTES },
      new SystemClock(),
      openRequestBackend,
      encryption,
    );
    const phases = restorePhases(request);
    const results = await withSink(
      options.output as OutputMode,
      (sink, signal) => runLocally(executor, request, phases, { hostId: me.hostId, sink, signal, ledger }),
      request.timeout,
    );
    return {
      text: `restore of ${request.snapshotTag} into node ${me.hostId} (${request.restorationStrategyType ?? 'IMPORT'}) completed: ${phases.join(' → ')}`,
      json: { hostId: me.hostId, phases: results },
    };
  } finally {
    await live?.release();
  }
}

/** `--host-id`/`--dc`/`--cluster-name` say who a node without JMX is; with JMX the node says it (they are refused, not ignored). */
function refuseIdentityWithJmx(flags: NodeFlags): void {
  const given = (
    [
      ['--host-id', flags.hostId],
      ['--dc', flags.dc],
      ['--cluster-name', flags.clusterName],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length > 0)
    throw new EsopFlagError(`${given.map(([flag]) => flag).join(', ')}: only without --jmx-service (with JMX the node says who it is)`);
}

/**
 * commitlog-backup and commitlog-restore with the agent's executors: the node is the one --jmx-service reaches
 * or, without it, the one Esop's node path (or --cluster-name/--dc/--host-id) names. A restore needs Cassandra
 * stopped: with --jmx-service a node that answers is refused; without, the node is taken as stopped (as an
 * IN_PLACE restore does), so stop it first.
 */
export async function commitLogLocally(name: 'commitlog-backup' | 'commitlog-restore', options: EsopOptions): Promise<LocalResult> {
  const request = esopRequest(name, options);
  const flags = nodeFlags(options);
  const encryption = await localEncryption(flags);
  const live = await connect(flags);
  try {
    if (live) refuseIdentityWithJmx(flags);
    const dataDirs = await dataDirectories(flags);
    const downloadDir = request.type === 'commitlog-restore' ? request.commitlogDownloadDir : undefined;
    const roots = localRoots({ ...flags, stagingDir: flags.stagingDir ?? downloadDir }, dataDirs, request.storageLocation);
    const me = live
      ? await liveRegistration(live.node, dataDirs, roots)
      : commitLogRegistration(anyStorageLocation(request.storageLocation), flags, dataDirs, roots);
    request.storageLocation = nodeLocation(request.storageLocation, me);
    await confineLocally(request, roots);
    const identity = new LocalIdentity(me);
    const settings = { configDir: flags.configDirectory, cassandraHome: flags.cassandraDir, reserveBytes: DEFAULT_RESERVE_BYTES };
    const run = <R extends OperationRequest>(executor: OperationExecutor<R>, typed: R) =>
      withSink(options.output as OutputMode, (sink, signal) =>
        runLocally(executor, typed, [undefined], { hostId: me.hostId, sink, signal }),
      );
    if (request.type === 'commitlog-backup') {
      const executor = new CommitLogBackupExecutor(
        identity,
        new InFlightUploads(),
        new SystemClock(),
        settings,
        openRequestBackend,
        encryption,
      );
      const result = (await run(executor, request))[name] as CommitLogBackupResult;
      return {
        text: `commit logs of node ${me.hostId} (${me.dc}) are in ${request.storageLocation}: ${result.segments} segment(s), ${result.uploadedSegments} uploaded (${result.uploadedBytes} bytes), ${result.alreadyStored} already stored`,
        json: { hostId: me.hostId, dc: me.dc, storageLocation: request.storageLocation, ...result },
      };
    }
    const executor = new CommitLogRestoreExecutor(live?.node ?? new StoppedCassandraNode(), identity, settings, openRequestBackend);
    const result = (await run(executor, request))[name] as CommitLogRestoreResult;
    return {
      text: `${result.segments.length} segment(s) of node ${me.hostId} ready to replay up to ${result.restorePointInTime} GMT. ${result.nextSteps}`,
      json: { hostId: me.hostId, dc: me.dc, ...result },
    };
  } finally {
    await live?.release();
  }
}

export async function listLocally(options: EsopOptions): Promise<LocalResult> {
  const request = esopRequest('list', options);
  const store = localRoots({ configDirectory: '/etc/cassandra' }, [], request.storageLocation);
  await confineLocally(request, store);
  const result = await withSink(options.output as OutputMode, (sink, signal) =>
    runLocally(new ListExecutor(), request, [undefined], { hostId: 'local', sink, signal }),
  );
  const { backups } = result.list as { backups: BackupSummary[] };
  const lines = backups.map(
    (b) =>
      `${b.name}\t${b.snapshotTag}\t${b.time}\t${b.complete ? 'complete' : 'incomplete'} ${b.nodesComplete}/${b.nodesExpected}\t${b.totalBytes} bytes`,
  );
  return { text: ['name\ttag\ttime\tnodes\tsize', ...lines].join('\n'), json: { backups } };
}
