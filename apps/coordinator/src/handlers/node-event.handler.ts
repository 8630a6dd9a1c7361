import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { applyNodeEvent, NodeEventMessage, OperationState, PhaseStep, Subjects } from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planFor } from '../plans/plans';

/** Folds a node's progress or result into the operation record (compare-and-set; repeats change nothing). */
@Controller()
export class NodeEventHandler {
  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
  ) {}

  @EventPattern(Subjects.eventsAll)
  async handle(@Payload() event: NodeEventMessage): Promise<void> {
    let phases: PhaseStep[] = [];
    const updated = await this.operations.mutate(event.operationId, (record) => {
      phases = planFor(record.type).phases(record);
      return applyNodeEvent(record, event, this.clock.now(), phases);
    });
    if (updated) this.commands.announce(updated);
    // The event closed its phase (now, or before a failover: this may be a redelivery): start the next one.
    const record = updated ?? (await this.operations.get(event.operationId));
    if (record?.state === OperationState.RUNNING && record.phase !== undefined && record.phase !== event.phase) {
      await this.commands.dispatchPending(record);
    }
  }
}
