import { Controller, Optional } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { applyNodeEvent, NodeEventMessage, OperationRecord, OperationState, Subjects } from '@daedalus/contracts';
import { eventSignatureProblem, FatalError, GroupedMutations, MessageContext, OperationStore, Signing } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planFor } from '../plans/plans';
import { withMissingRequestDigests } from '../plans/request-digests';
import { isOfEarlierRun, subjectRefusal, workRefusal } from './event-checks';
import { ledgerFactRefusal, withLedgerFacts } from './restore-ledger-folding';
import { foldNodeEvents } from './node-event-folding';
import { PauseWindows } from '../operations/pause-windows';
import { RetentionTrigger } from '../retention/retention-trigger';

/**
 * Folds a node's progress or result into the operation record (compare-and-set; repeats change nothing), and a
 * restore's ledger facts into its `restoreLedger` (the coordinators alone write it: agents report, see
 * restore-ledger-folding.ts).
 * Only events of the node whose subject they arrive on, signed by an agent when a key is configured, for work
 * the record says that node owes: anything else is dead-lettered with the reason and changes nothing.
 */
@Controller()
export class NodeEventHandler {
  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
    private readonly pauseWindows: PauseWindows,
    private readonly signing: Signing = new Signing(),
    // specs that do not test retention construct the handler without it
    @Optional() private readonly retention?: RetentionTrigger,
  ) {}

  private readonly folding = new GroupedMutations<OperationRecord, NodeEventMessage>(
    (id, mutation) => this.operations.mutate(id, mutation),
    (record, events) => foldNodeEvents(record, events, this.clock.now(), (current, event) => this.applyEvent(current, event)),
  );

  @EventPattern(Subjects.eventsAll)
  async handle(@Payload() event: NodeEventMessage, @Ctx() context: MessageContext): Promise<void> {
    const refusal = subjectRefusal(event, context.subject) ?? eventSignatureProblem(this.signing.key, event);
    if (refusal) this.refuse(event, refusal);
    // folded with the other events of this operation that this process handles at once: one write for them all
    const outcome = await this.folding.mutate(event.operationId, event);
    if (!outcome) this.refuse(event, `operation ${event.operationId} does not exist`);
    // what was written is announced once per write; this event's decisions follow the record as it left it
    if (outcome.last) this.commands.announce(outcome.stored);
    const updated = outcome.value;
    // The event closed its phase (now, or before a failover: this may be a redelivery): start the next one. A
    // progress event (a late ledger fact among them) never closes a phase.
    const mayHaveClosed = event.kind !== 'progress';
    const running = mayHaveClosed && updated.state === OperationState.RUNNING;
    // A result in a phase that takes turns (`parallel`, `maintenanceWindow`) may have admitted the next node.
    const next =
      running && updated.phase !== undefined && updated.phase !== event.phase
        ? this.commands.dispatchPending(updated)
        : running && (updated.request.parallel !== undefined || updated.request.maintenanceWindow !== undefined)
          ? this.commands.dispatchAdmitted(updated)
          : Promise.resolve();
    // A consistent backup's application is resumed as soon as its snapshot phase is over or the backup ended (now,
    // or before a failover), alongside the next phase's commands; nothing is owed otherwise, and nothing is read then.
    await Promise.all([next, this.pauseWindows.settle(updated)]);
    // a backup that completed (now, or before a crash: a redelivery) to a location with a retention policy
    if (mayHaveClosed) await this.retention?.afterEvent(updated);
  }

  /** One event applied to the record (compare-and-set, through `folding`): undefined when it changes nothing. */
  private applyEvent(record: OperationRecord, event: NodeEventMessage): OperationRecord | undefined {
    const owed = workRefusal(record, event) ?? ledgerFactRefusal(record, event);
    if (owed) this.refuse(event, owed);
    // a restore's ledger facts count whatever the phase or run now is: the node did truncate or import
    const ledger = withLedgerFacts(record, event);
    const current = ledger ? { ...record, restoreLedger: ledger } : record;
    if (isOfEarlierRun(record, event)) return ledger ? current : undefined;
    const phases = planFor(record.type).phases(record);
    const applied = applyNodeEvent(current, event, this.clock.now(), phases);
    return withMissingRequestDigests(applied ?? (ledger ? current : undefined));
  }

  /** Dead-lettered with the reason, which settlement logs (within its log budget: a flood cannot flood the log). */
  private refuse(event: NodeEventMessage, reason: string): never {
    throw new FatalError(`${event.kind} event of ${event.operationId}/${event.hostId} refused: ${reason}`);
  }
}
