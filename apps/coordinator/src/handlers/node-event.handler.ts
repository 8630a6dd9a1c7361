import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { applyNodeEvent, NodeEventMessage, OperationState, PhaseStep, Subjects } from '@daedalus/contracts';
import { eventSignatureProblem, FatalError, MessageContext, OperationStore, Signing } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planFor } from '../plans/plans';
import { withRequestDigests } from '../plans/request-digests';
import { isOfEarlierRun, subjectRefusal, workRefusal } from './event-checks';

/**
 * Folds a node's progress or result into the operation record (compare-and-set; repeats change nothing).
 * Only events of the node whose subject they arrive on, signed by an agent when a key is configured, for work
 * the record says that node owes: anything else is dead-lettered with the reason and changes nothing.
 */
@Controller()
export class NodeEventHandler {
  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
    private readonly signing: Signing = new Signing(),
  ) {}

  @EventPattern(Subjects.eventsAll)
  async handle(@Payload() event: NodeEventMessage, @Ctx() context: MessageContext): Promise<void> {
    const refusal = subjectRefusal(event, context.subject) ?? eventSignatureProblem(this.signing.key, event);
    if (refusal) this.refuse(event, refusal);
    let phases: PhaseStep[] = [];
    const updated = await this.operations.mutate(event.operationId, (record) => {
      const owed = workRefusal(record, event);
      if (owed) this.refuse(event, owed);
      if (isOfEarlierRun(record, event)) return undefined;
      phases = planFor(record.type).phases(record);
      return withRequestDigests(applyNodeEvent(record, event, this.clock.now(), phases));
    });
    if (!updated) this.refuse(event, `operation ${event.operationId} does not exist`);
    this.commands.announce(updated);
    // The event closed its phase (now, or before a failover: this may be a redelivery): start the next one.
    if (updated.state === OperationState.RUNNING && updated.phase !== undefined && updated.phase !== event.phase) {
      await this.commands.dispatchPending(updated);
    }
  }

  /** Dead-lettered with the reason, which settlement logs (within its log budget: a flood cannot flood the log). */
  private refuse(event: NodeEventMessage, reason: string): never {
    throw new FatalError(`${event.kind} event of ${event.operationId}/${event.hostId} refused: ${reason}`);
  }
}
