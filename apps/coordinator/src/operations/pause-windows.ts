import { Injectable, Logger } from '@nestjs/common';
import {
  claimResume,
  failOperation,
  HookCallOutcome,
  isWindowClosed,
  OperationRecord,
  OperationState,
  PauseWindowState,
  pendingNodes,
  recordPauseOutcome,
  recordResumeOutcome,
  resumeDue,
  windowOverdue,
} from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { HookAction, PauseHookClient } from '../adapters/pause-hooks';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';

/** A claim's lease beyond the resume calls' own budget: KV writes and a busy process. */
const LEASE_MARGIN_MS = 5_000;

/**
 * The application pause of a consistent backup, run from the record alone (lifecycle/pause-window.ts): the
 * submit handler opens it before any snapshot command goes out; whoever next handles the record (a node
 * event, a cancel, the sweeper) closes it when its phase is over, the operation ended or it ran too long.
 */
@Injectable()
export class PauseWindows {
  private readonly logger = new Logger(PauseWindows.name);

  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly hooks: PauseHookClient,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
  ) {}

  /**
   * Calls every hook's pause (in parallel) and records the answers. Resolves to the record whose SNAPSHOT
   * commands may go out now, or undefined when they must not: a hook did not acknowledge (the backup fails
   * before any snapshot, and every hook called is resumed: one that timed out may have paused all the same).
   * A window already PAUSED (a redelivered submit) is passed on as it is.
   */
  async pause(record: OperationRecord): Promise<OperationRecord | undefined> {
    const window = record.pauseWindow;
    if (!window || window.state === PauseWindowState.PAUSED) return record;
    if (window.state !== PauseWindowState.PAUSING || record.state !== OperationState.RUNNING) {
      await this.settle(record);
      return undefined;
    }
    const outcomes = await this.callAll(Object.keys(window.hooks), 'pause', record.id);
    const now = this.clock.now();
    const refused = Object.values(outcomes).flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
    const reason = `the application was not paused, so no node took a snapshot: ${refused.join('; ')}`;
    // the answers and, when one refused, the failure in one write: no window is left PAUSING on a backup that cannot go on
    const updated =
      (await this.operations.mutate(record.id, (current) => {
        const answered = recordPauseOutcome(current, outcomes, now);
        return answered && refused.length > 0 ? (failOperation(answered, 'coordinator', reason, now) ?? answered) : answered;
      })) ??
      (await this.operations.get(record.id)) ??
      record;
    if (refused.length > 0) this.logger.warn(`consistent backup ${record.id} failed: ${reason}`);
    else this.logger.log(`consistent backup ${record.id}: ${Object.keys(outcomes).length} hook(s) paused the application`);
    this.commands.announce(updated);
    if (updated.state === OperationState.RUNNING && updated.pauseWindow?.state === PauseWindowState.PAUSED) return updated;
    await this.settle(updated);
    return undefined;
  }

  /**
   * Sweeper: a window open past --max-pause-window-ms fails a backup still in its snapshot phase (its nodes are
   * told to cancel), then the window is closed like any other.
   */
  async sweep(record: OperationRecord): Promise<void> {
    const window = record.pauseWindow;
    if (!window || isWindowClosed(window.state)) return;
    const now = this.clock.now();
    const max = this.config.maxPauseWindowMs;
    let current = record;
    if (record.state === OperationState.RUNNING && record.phase === window.covers && windowOverdue(record, now, max)) {
      const reason = `the application stayed paused longer than --max-pause-window-ms (${max} ms) before every node took its snapshot`;
      const failed = await this.operations.mutate(record.id, (latest) =>
        latest.phase === window.covers && windowOverdue(latest, now, max) ? failOperation(latest, 'coordinator', reason, now) : undefined,
      );
      if (failed) {
        current = failed;
        this.logger.warn(`consistent backup ${record.id} failed: ${reason}`);
        this.commands.announce(failed);
        for (const node of pendingNodes(record)) await this.commands.send(record, node, 'cancel');
      }
    }
    await this.settle(current);
  }

  /**
   * Sends the resume when it is owed and this coordinator wins the claim (compare-and-set), or takes over a claim
   * whose coordinator stopped (older than the resume calls' budget). Safe to call with any record, any time.
   */
  async settle(record: OperationRecord): Promise<void> {
    const window = record.pauseWindow;
    if (!window || isWindowClosed(window.state)) return;
    const lease = this.hooks.resumeBudgetMs() + LEASE_MARGIN_MS;
    const max = this.config.maxPauseWindowMs;
    const now = this.clock.now();
    const staleClaim =
      window.state === PauseWindowState.RESUMING && now.getTime() - Date.parse(window.resumeClaimedAt ?? window.requestedAt) > lease;
    if (!resumeDue(record, now, max) && !staleClaim) return;
    let mine = false;
    const claimed = await this.operations.mutate(record.id, (current) => {
      const next = claimResume(current, now, max, lease);
      mine = next !== undefined;
      return next;
    });
    if (!claimed || !mine) return;
    this.commands.announce(claimed);
    const names = Object.keys(claimed.pauseWindow?.hooks ?? {});
    this.logger.log(`consistent backup ${record.id}: resuming ${names.length} hook(s): ${claimed.pauseWindow?.closeReason ?? ''}`);
    const outcomes = await this.callAll(names, 'resume', record.id);
    const done = await this.operations.mutate(record.id, (current) => recordResumeOutcome(current, outcomes, this.clock.now()));
    if (!done) return;
    this.commands.announce(done);
    const closed = done.pauseWindow;
    if (closed?.state === PauseWindowState.RESUMED) {
      this.logger.log(`consistent backup ${record.id}: application resumed after ${closed.lengthMs ?? 0} ms paused`);
    } else {
      const errors = Object.entries(closed?.hooks ?? {}).flatMap(([name, hook]) => (hook.error ? [`${name}: ${hook.error}`] : []));
      this.logger.error(`consistent backup ${record.id}: the application could NOT be resumed: ${errors.join('; ')}`);
    }
  }

  private async callAll(names: string[], action: HookAction, operationId: string): Promise<Record<string, HookCallOutcome>> {
    const answers = await Promise.all(names.map(async (name) => [name, await this.hooks.call(name, action, operationId)] as const));
    return Object.fromEntries(answers);
  }
}
