import { DEFAULT_SETTLEMENT_POLICY, SettlementPolicy } from '@daedalus/messaging';
import { ConfigReader } from '@daedalus/common';

export const DEFAULT_RESTORE_IMPORT_GRACE_MS = 5 * 60_000;
const MAX_RESTORE_IMPORT_GRACE_MS = 7 * 24 * 3600_000;

export class CoordinatorConfig {
  /** a node silent for longer than this fails the operations it owes results to */
  readonly nodeTimeoutMs: number;
  /**
   * how long a node may be silent while a restore it takes part in is past TRUNCATE (TRUNCATE, IMPORT,
   * CLEANUP) before the restore fails: its data is already gone and a restarted agent finishes from its staged
   * files, so it gets longer than `nodeTimeoutMs`
   */
  readonly restoreImportGraceMs: number;
  /** upper bound of any operation without its own `timeout` */
  readonly defaultOperationTimeoutMs: number;
  readonly sweepIntervalMs: number;
  /** how long a message a coordinator took stays with it before another replica gets it (failover time) */
  readonly ackWaitMs: number;
  readonly concurrency: number;
  readonly settlement: SettlementPolicy;

  constructor(config: ConfigReader) {
    this.nodeTimeoutMs = config.number('node-timeout-ms', 30_000);
    this.restoreImportGraceMs = CoordinatorConfig.grace(
      config.number('restore-import-grace-ms', Math.max(DEFAULT_RESTORE_IMPORT_GRACE_MS, this.nodeTimeoutMs)),
      this.nodeTimeoutMs,
    );
    this.defaultOperationTimeoutMs = config.number('operation-timeout-ms', 24 * 3600_000);
    this.sweepIntervalMs = config.number('sweep-interval-ms', 2_000);
    this.ackWaitMs = config.number('ack-wait-ms', 10_000);
    this.concurrency = config.number('concurrency', 16);
    this.settlement = {
      ...DEFAULT_SETTLEMENT_POLICY,
      maxAttempts: config.number('max-attempts', DEFAULT_SETTLEMENT_POLICY.maxAttempts),
    };
  }

  /** A grace shorter than the ordinary node timeout would fail a restore sooner than anything else. */
  private static grace(value: number, nodeTimeoutMs: number): number {
    if (!Number.isInteger(value) || value < nodeTimeoutMs || value > MAX_RESTORE_IMPORT_GRACE_MS) {
      throw new Error(
        `--restore-import-grace-ms (DAEDALUS_RESTORE_IMPORT_GRACE_MS) must be a whole number of milliseconds from ` +
          `--node-timeout-ms (${nodeTimeoutMs}) to ${MAX_RESTORE_IMPORT_GRACE_MS} (7 days), got ${value}`,
      );
    }
    return value;
  }
}
