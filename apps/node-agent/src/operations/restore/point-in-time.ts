import {
  CommitLogNodePath,
  NodeRegistration,
  pointInTimeMs,
  RestoreCommitLogResult,
  RestorePitrPlanResult,
  RestoreRequest,
  restorePointInTime,
  selectSegments,
} from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { StorageBackend } from '@daedalus/storage';
import { CassandraNode } from '../../cassandra/cassandra-node';
import { BackupSummary, listBackups } from '../../repository/backup-catalog';
import { anyStorageLocation } from '../../repository/request-storage';
import { ExecutionContext, OperationRejectedError } from '../executor';
import { ClientEncryption } from '../../repository/encryption';
import { listIndexedSegments, readIndexEntry } from '../commitlog/segment-store';
import { chooseSegments, downloadSegments, writeReplayProperties } from '../commitlog/replay-preparation';
import { nodeIsDown } from './in-place';
import { resolveRestoreSource } from './restore-source';

/**
 * A cluster restored to a point in time, one node at a time in each phase (docs/design.md, "Point-in-time
 * restore of a cluster"): PITR_PLAN chooses, without changing anything, the backup this node restores and the
 * archived segments that carry it from the backup's start to the point; IN_PLACE puts that backup back;
 * COMMITLOG downloads the segments and points commitlog_archiving.properties at them, so the node replays up to
 * the point when it is started.
 */

/** The point of a pointInTime request, in epoch millis (the request was validated: a whole second with a zone). */
export function requestedPoint(request: RestoreRequest): number {
  const ms = pointInTimeMs(request.pointInTime);
  if (ms === undefined) throw new OperationRejectedError(`pointInTime: ${request.pointInTime ?? '(none)'} is not an ISO-8601 date-time`);
  return ms;
}

export const nodeCommitLogPath = (cluster: string, me: NodeRegistration): CommitLogNodePath => ({
  cluster,
  dc: me.dc,
  hostId: me.hostId,
});

/** When a backup's files were all in the store: its snapshot, taken before, holds no write made after it. */
const finishedAt = (backup: BackupSummary): number | undefined => (backup.endTime ? Date.parse(backup.endTime) : undefined);

/**
 * The latest complete backup holding this node that finished at or before the point. A backup still being
 * taken at the point may hold writes made after it (its snapshot came later), so only finished ones count.
 */
export function latestBackupBefore(backups: BackupSummary[], hostId: string, pointMs: number): BackupSummary | undefined {
  return backups
    .filter((b) => b.complete && b.nodes.some((n) => n.hostId === hostId))
    .filter((b) => (finishedAt(b) ?? Infinity) <= pointMs)
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0];
}

export interface PlanInputs {
  backend: StorageBackend;
  request: RestoreRequest;
  me: NodeRegistration;
  node: CassandraNode;
  cluster: string;
  encryption: ClientEncryption;
}

/** This node's plan, or the problem that keeps it from being restored to the point. Reads only. */
export async function planPointInTime({ backend, request, me, node, cluster, encryption }: PlanInputs): Promise<RestorePitrPlanResult> {
  const pointMs = requestedPoint(request);
  const pointInTime = new Date(pointMs).toISOString();
  const refused = (problem: RestorePitrPlanResult['problem'], backup: RestorePitrPlanResult['backup'] = null): RestorePitrPlanResult => ({
    pointInTime,
    backup,
    segments: null,
    problem,
  });
  if (!(await nodeIsDown(node))) {
    return refused({
      kind: 'cassandra-running',
      message: 'Cassandra answers over JMX: a point-in-time restore needs every node stopped (nodetool drain, then stop the service)',
    });
  }
  const location = anyStorageLocation(request.storageLocation, { datacenters: [me.dc] });
  const backups = await listBackups(backend, { ...location, path: [cluster] });
  const chosen = latestBackupBefore(backups, me.hostId, pointMs);
  if (!chosen) {
    const earliest = backups
      .filter((b) => b.complete && b.nodes.some((n) => n.hostId === me.hostId))
      .map((b) => b.endTime ?? b.time)
      .sort()[0];
    return refused({
      kind: 'no-backup',
      message:
        `no complete backup of node ${me.hostId} finished at or before ${pointInTime} in cluster ${cluster}` +
        (earliest ? ` (the earliest finished at ${earliest})` : ' (it has none)'),
    });
  }
  const backup: NonNullable<RestorePitrPlanResult['backup']> = {
    name: chosen.name,
    startedAt: chosen.time,
    endedAt: chosen.endTime ?? chosen.time,
    scope: chosen.scope,
  };
  try {
    // its manifest readable, the tokens this node's, a key to open it: what IN_PLACE would otherwise find too late
    const source = await resolveRestoreSource(backend, cluster, location, chosen.name, me, false);
    encryption.requireKeyFor(source.manifest, `backup ${chosen.name}`);
  } catch (error) {
    if (!(error instanceof OperationRejectedError)) throw error;
    return refused({ kind: 'backup-unusable', message: `backup ${chosen.name}: ${errorMessage(error)}` }, backup);
  }
  const path = nodeCommitLogPath(cluster, me);
  const selection = selectSegments(await listIndexedSegments(backend, path), Date.parse(chosen.time), pointMs);
  if (!selection.ok) return refused({ kind: selection.problem, message: `node ${me.hostId}: ${selection.message}` }, backup);
  const entries = [];
  for (const indexed of selection.segments) entries.push(await readIndexEntry(backend, path, indexed));
  return {
    pointInTime,
    backup,
    segments: {
      count: entries.length,
      firstId: entries[0].id,
      lastId: entries[entries.length - 1].id,
      bytes: entries.reduce((sum, e) => sum + e.size, 0),
      names: entries.map((e) => e.name),
    },
    problem: null,
  };
}

/** This node's plan from PITR_PLAN, refused unless it is a plan without a problem (the coordinator checked; a command may be forged or stale). */
export function usablePlan(
  plan: RestorePitrPlanResult | undefined,
  hostId: string,
): RestorePitrPlanResult & {
  backup: NonNullable<RestorePitrPlanResult['backup']>;
  segments: NonNullable<RestorePitrPlanResult['segments']>;
} {
  if (!plan)
    throw new OperationRejectedError(`no PITR_PLAN result for node ${hostId}: a point-in-time restore plans before it changes anything`);
  if (plan.problem || !plan.backup || !plan.segments)
    throw new OperationRejectedError(`node ${hostId} has no usable plan: ${plan.problem?.message ?? 'no backup or segments chosen'}`);
  return { ...plan, backup: plan.backup, segments: plan.segments };
}

export interface CommitLogStep {
  backend: StorageBackend;
  plan: RestorePitrPlanResult;
  me: NodeRegistration;
  node: CassandraNode;
  cluster: string;
  configDir: string;
  downloadBase: string;
  concurrency: number;
  reserveBytes: number;
}

/**
 * The planned segments (chosen again: the store must still hold exactly them) downloaded verified, then
 * commitlog_archiving.properties rewritten (the previous file kept aside) so that the node replays them up to
 * the point at its next start.
 */
export async function prepareReplay(step: CommitLogStep, context: ExecutionContext): Promise<RestoreCommitLogResult> {
  const plan = usablePlan(step.plan, step.me.hostId);
  const pointMs = Date.parse(plan.pointInTime);
  const requireStopped = async () => {
    if (!(await nodeIsDown(step.node)))
      throw new OperationRejectedError('Cassandra answers over JMX: its commit logs can be prepared only while it is stopped');
  };
  await requireStopped();
  const entries = await chooseSegments(step.backend, nodeCommitLogPath(step.cluster, step.me), Date.parse(plan.backup.startedAt), pointMs);
  const names = entries.map((e) => e.name);
  if (names.join(',') !== plan.segments.names.join(',')) {
    throw new OperationRejectedError(
      `the store's segments changed since planning (${plan.segments.names.length} planned, ${names.length} now): the backup is in place, ` +
        'the commit logs are not; run commitlog-restore on this node with timestampStart at the backup start',
    );
  }
  const { restoreDirectory, downloadedBytes } = await downloadSegments(step.backend, entries, {
    base: step.downloadBase,
    operationId: context.operationId,
    concurrency: step.concurrency,
    signal: context.signal,
    reserveBytes: step.reserveBytes,
    onProgress: (fraction) => void context.progress(0.9 * fraction).catch(() => undefined),
  });
  await requireStopped();
  const { file, keptAs } = await writeReplayProperties(step.configDir, restoreDirectory, pointMs, context.operationId);
  const point = restorePointInTime(pointMs) ?? plan.pointInTime;
  await context.progress(1, `${entries.length} segment(s) ready to replay up to ${point} GMT`);
  return {
    restoreDirectory,
    propertiesFile: file,
    previousPropertiesKeptAs: keptAs ?? null,
    restorePointInTime: point,
    segments: entries.length,
    downloadedBytes,
    state: `stopped: backup ${plan.backup.name} in place, ${entries.length} commit-log segment(s) waiting to be replayed up to ${point} GMT`,
    nextSteps:
      `Start Cassandra on this node: it replays the segments in ${restoreDirectory} up to ${point} GMT. Once it is up, put back ` +
      `${keptAs ?? 'an empty restore_directories and restore_point_in_time'} in ${file}, or a later restart replays them again.`,
  };
}
