import { Injectable } from '@nestjs/common';
import { applyNodeEvent, NodeEventMessage, OperationState, PhaseStep } from '@daedalus/contracts';
import { FatalError, OperationStore } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { planFor } from '../plans/plans';
import { checkEnvelope } from './message-guards';

const EVENT_KINDS = new Set(['started', 'progress', 'completed', 'failed', 'cancelled']);

/** Folds a node's progress or result into the operation record (compare-and-set; repeats change nothing). */
@Injectable()
export class NodeEventHandler {
  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
  ) {}

  async handle(data: unknown): Promise<void> {
    const message = checkEnvelope(data, 'node event');
    if (typeof message.hostId !== 'string' || !EVENT_KINDS.has(String(message.kind)) || typeof message.progress !== 'number') {
      throw new FatalError('node event needs hostId, a known kind and a numeric progress');
    }
    const event = message as unknown as NodeEventMessage;
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
