import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock, errorMessage } from '@daedalus/common';
import { StorageBackend } from '@daedalus/storage';
import { BackupLayout, NodePath } from './backup-layout';
import { BACKUP_LEASE_MS, describeLease, LEASE_SKEW_MS, liveSweepLocks, newLease, SWEEP_LOCK_MS, writeLease } from './removal-marks';

const WAIT_POLL_MS = 2_000;
/** A sweep lock is never renewed, so no wait for one lasts longer than its expiry (plus the skew allowance). */
const MAX_WAIT_MS = SWEEP_LOCK_MS + LEASE_SKEW_MS + 60_000;

/**
 * A running backup's lease on its node's prefix (docs/design.md, "Removing backups"): written before the backup
 * decides which objects the store already holds, renewed while it runs, deleted when it ends. A removal's sweep
 * on the node deletes nothing while it is live.
 */
export class BackupLease {
  private readonly logger = new Logger(BackupLease.name);
  private heldUntil: number;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly backend: StorageBackend,
    private readonly key: string,
    private readonly fields: { operationId: string; holder: string; backupName: string },
    private readonly clock: Clock,
    acquiredAt: number,
  ) {
    this.heldUntil = acquiredAt + BACKUP_LEASE_MS;
    this.timer = setInterval(() => void this.renew(), BACKUP_LEASE_MS / 3);
    this.timer.unref();
  }

  /**
   * Writes the lease, then waits while a removal sweeps the node (its lock, read after the lease is written, is
   * live): the backup's listing of the store happens only after. Bounded by the lock's expiry.
   */
  static async acquire(
    backend: StorageBackend,
    node: NodePath,
    fields: { operationId: string; holder: string; backupName: string },
    clock: Clock,
    signal: AbortSignal,
    onWait: (message: string) => void,
  ): Promise<BackupLease> {
    const key = BackupLayout.backupLease(node, fields.backupName);
    const acquiredAt = clock.now().getTime();
    await writeLease(backend, key, newLease('backup', fields, acquiredAt, BACKUP_LEASE_MS));
    const lease = new BackupLease(backend, key, fields, clock, acquiredAt);
    try {
      const waitUntil = acquiredAt + MAX_WAIT_MS;
      for (;;) {
        const locks = await liveSweepLocks(backend, node, clock.now().getTime());
        if (locks.length === 0) return lease;
        if (clock.now().getTime() >= waitUntil)
          throw new Error(`a removal still sweeps this node after ${MAX_WAIT_MS} ms (${locks.map(describeLease).join('; ')})`);
        onWait(`waiting for a removal sweeping this node to finish (${locks.map(describeLease).join('; ')})`);
        await sleep(WAIT_POLL_MS, undefined, { signal });
        await lease.renew();
      }
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  private async renew(): Promise<void> {
    const now = this.clock.now().getTime();
    try {
      await writeLease(this.backend, this.key, newLease('backup', this.fields, now, BACKUP_LEASE_MS));
      this.heldUntil = now + BACKUP_LEASE_MS;
    } catch (error) {
      this.logger.warn(`could not renew backup lease ${this.key}: ${errorMessage(error)}`);
    }
  }

  /** Before the manifest: a lease that lapsed (renewals failed) may have let a sweep delete what the backup reuses. */
  assertHeld(): void {
    if (this.clock.now().getTime() >= this.heldUntil)
      throw new Error(
        `the backup's lease ${this.key} lapsed (renewals failed): objects it reuses may have been swept; take the backup again`,
      );
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.backend
      .delete(this.key)
      .catch((error) => this.logger.warn(`could not delete backup lease ${this.key} (it lapses by itself): ${errorMessage(error)}`));
  }
}
