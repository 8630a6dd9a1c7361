import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { noteResumeRefused, OperationState, ResumeOperationMessage, resumeOperation, ResumeOutcome, Subjects } from '@daedalus/contracts';
import { OperationStore, RetryableError } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planFor } from '../plans/plans';
import { withRequestDigests } from '../plans/request-digests';

/**
 * Resumes a FAILED restore from the phase that failed (ResumeOperation on `daedalus.requests.resume`).
 * Safe to run twice: the move is a compare-and-set, a repeat finds the record RUNNING and only re-sends the
 * current phase's commands, which JetStream de-duplicates (their ids carry the resume count).
 */
@Controller()
export class ResumeHandler {
  private readonly logger = new Logger(ResumeHandler.name);

  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
  ) {}

  @EventPattern(Subjects.resume)
  async handle(@Payload() message: ResumeOperationMessage): Promise<void> {
    const id = message.operationId;
    const expected = message.resumeCount;
    if (!(await this.operations.get(id))) throw new RetryableError(`operation ${id} is not known yet`);

    let outcome: ResumeOutcome = { kind: 'unchanged' };
    const now = this.clock.now();
    const record = await this.operations.reopen(id, (current) => {
      outcome = resumeOperation(current, now, planFor(current.type).phases(current), expected);
      if (outcome.kind === 'resumed') return withRequestDigests(outcome.record);
      if (outcome.kind === 'refused') return noteResumeRefused(current, outcome.reason, now);
      return undefined;
    });
    if (!record) return;
    const result = outcome as ResumeOutcome;
    if (result.kind === 'refused') {
      this.logger.warn(`resume of ${id} refused: ${result.reason}`);
      this.commands.announce(record);
      return;
    }
    if (result.kind === 'resumed') {
      this.commands.announce(record);
      this.logger.log(`operation ${id} resumed (run ${record.resumeCount ?? 0}) in phase ${record.phase ?? ''}`);
    }
    // resumed now, or before a failover (this is a redelivery): the current phase's commands go out. A request
    // for an operation that simply runs (never resumed) sends nothing.
    if (record.state === OperationState.RUNNING && (record.resumeCount ?? 0) > 0) await this.commands.dispatchPending(record);
  }
}
