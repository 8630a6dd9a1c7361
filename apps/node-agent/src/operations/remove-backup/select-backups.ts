import { RemoveBackupRequest, RetentionDecision } from '@daedalus/contracts';
import { BackupSummary } from '../../repository/backup-catalog';
import { parseDurationMs } from '../../repository/request-storage';
import { applyRetention } from '../../retention/apply-retention';

export interface BackupSelection {
  /** backups the listing shows that go */
  chosen: BackupSummary[];
  /** a name the request gave that an earlier removal tombstoned already: this run finishes it */
  alreadyTombstoned?: string;
  /** the retention policy's decision for every backup (selection by `retention`) */
  retention?: RetentionDecision[];
}

/** Complete and not partial: what removeOldest, olderThan and retention count as a backup to keep or drop. */
const isComplete = (b: BackupSummary) => b.complete && !b.partial;

/**
 * Which backups a remove-backup request names, from the listing (`catalog`: tombstoned backups already left out)
 * and the names tombstoned earlier. `removeOldest` and `olderThan` consider complete backups only: an incomplete
 * one may still be running, so it goes only by name or by a retention policy's `incompleteGrace`.
 */
export function selectBackupsToRemove(
  request: Pick<RemoveBackupRequest, 'backupName' | 'removeOldest' | 'olderThan' | 'retention'>,
  catalog: readonly BackupSummary[],
  tombstoned: ReadonlySet<string>,
  now: Date,
): BackupSelection {
  if (request.backupName !== undefined) {
    const found = catalog.find((b) => b.name === request.backupName);
    if (found) return { chosen: [found] };
    if (tombstoned.has(request.backupName)) return { chosen: [], alreadyTombstoned: request.backupName };
    throw new BackupNotFoundError(`no backup named ${request.backupName}`);
  }
  const oldestFirst = [...catalog].sort((a, b) => a.time.localeCompare(b.time) || a.name.localeCompare(b.name));
  if (request.removeOldest) return { chosen: oldestFirst.filter(isComplete).slice(0, 1) };
  if (request.olderThan !== undefined) {
    const cutoff = now.getTime() - parseDurationMs(request.olderThan);
    return { chosen: oldestFirst.filter((b) => isComplete(b) && Date.parse(b.time) < cutoff) };
  }
  if (request.retention !== undefined) {
    const decisions = applyRetention(
      oldestFirst.map((b) => ({ name: b.name, time: Date.parse(b.time), complete: isComplete(b) })),
      request.retention,
      now.getTime(),
    );
    const dropped = new Set(decisions.filter((d) => !d.keep).map((d) => d.name));
    return { chosen: oldestFirst.filter((b) => dropped.has(b.name)), retention: decisions };
  }
  throw new Error('the request names no backups to remove (the gateway requires one selector)');
}

export class BackupNotFoundError extends Error {}
