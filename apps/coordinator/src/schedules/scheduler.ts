import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isTerminal, ScheduleEntry } from '@daedalus/contracts';
import { OperationStore, ScheduleStore } from '@daedalus/messaging';
import { Clock, errorMessage, withLogContext } from '@daedalus/common';
import { CoordinatorConfig } from '../coordinator-config';
import { planSchedule } from './schedule-planner';
import { ScheduleSubmitter } from './schedule-submitter';
import { PeriodicWork } from '../adapters/periodic-work';

/**
 * Fires the schedules. Every coordinator replica runs it: each look at a schedule plans from the entry it read,
 * submits the due runs (idempotent: deterministic operation ids), then writes the entry by compare-and-set. A
 * replica whose write lost re-plans on the newer entry (which records those runs already) and only marks as
 * submitted the runs it did submit; a replica that died after submitting leaves the fire time undecided, and the
 * next look submits the same run again — the record and JetStream drop the repeat.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Scheduler.name);
  private readonly periodic = new PeriodicWork(() => this.look());

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly operations: OperationStore,
    private readonly submitter: ScheduleSubmitter,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.scheduleIntervalMs);
  }

  onApplicationShutdown(): void {
    this.periodic.stop();
  }

  /** One look at every schedule (none while the previous look is still going). */
  tick(): Promise<void> {
    return this.periodic.runOnce();
  }

  private async look(): Promise<void> {
    try {
      for (const entry of await this.schedules.list()) {
        await this.fire(entry).catch((error: unknown) =>
          this.logger.warn(`schedule ${entry.definition.id}: not fired this time: ${errorMessage(error)}`),
        );
      }
    } catch (error) {
      this.logger.warn(`schedules not read: ${errorMessage(error)}`);
    }
  }

  /** One look at one schedule: submit what is due, then record it. */
  async fire(entry: ScheduleEntry): Promise<void> {
    const id = entry.definition.id;
    const now = this.clock.now();
    // most looks find nothing due: only then is the previous run's record read
    if (!planSchedule(entry, { now, busy: false }).next) return;
    const busy = await this.previousRunGoing(entry);
    const decision = planSchedule(entry, { now, busy });
    if (!decision.next) return;
    const submitted = new Set<string>();
    for (const run of decision.submit) {
      // a run is an operation: its submission's lines (and the store's) name it
      await withLogContext({ operationId: run.operationId }, async () => {
        const created = await this.submitter.submit(entry.definition, run);
        submitted.add(run.operationId);
        if (created) this.logger.log(`schedule ${id}: run of ${run.fireTime} submitted as operation ${run.operationId}`);
      });
    }
    await this.schedules.mutate(id, (current) => {
      // planned again on the entry as it is now (the same entry: the same plan); another replica may have decided
      // some of these fire times from an older look at the previous run: the runs submitted here are submitted
      const again = planSchedule(current, { now, busy, submitted });
      // anything still to submit waits for the next look (it reads the previous run afresh)
      if (again.submit.length > 0) return undefined;
      return again.next;
    });
    for (const run of decision.next.runs.slice(-decision.submit.length - 5)) {
      if (run.state === 'missed' && run.at === now.toISOString())
        this.logger.warn(`schedule ${id}: run of ${run.fireTime} missed: ${run.note ?? ''}`);
    }
  }

  /** Whether the newest submitted run's operation is still going (an expired record is not). */
  private async previousRunGoing(entry: ScheduleEntry): Promise<boolean> {
    const last = [...entry.runs].reverse().find((run) => run.state === 'submitted');
    if (!last) return false;
    const record = await this.operations.get(last.operationId);
    return record !== undefined && !isTerminal(record.state);
  }
}
