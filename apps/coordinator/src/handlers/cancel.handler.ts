import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CancelOperationMessage, OperationState, pendingNodes, requestCancel, Subjects } from '@daedalus/contracts';
import { OperationStore, RetryableError } from '@daedalus/messaging';
import { Clock } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';

/** Marks the operation as cancel-requested and forwards the cancel to every node still working on it. */
@Controller()
export class CancelHandler {
  private readonly logger = new Logger(CancelHandler.name);

  constructor(
    private readonly operations: OperationStore,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
  ) {}

  @EventPattern(Subjects.cancel)
  async handle(@Payload() message: CancelOperationMessage): Promise<void> {
    const id = message.operationId;
    const existing = await this.operations.get(id);
    // The submit may not have been processed yet (direct clients): try again shortly, a bounded number of times.
    if (!existing) throw new RetryableError(`operation ${id} is not known yet`);
    const record = (await this.operations.mutate(id, (current) => requestCancel(current, this.clock.now()))) ?? existing;
    this.commands.announce(record);
    if (record.state !== OperationState.RUNNING) return;
    await this.commands.cancelPending(record);
    this.logger.log(`cancel of ${id} forwarded to ${pendingNodes(record).length} node(s)`);
  }
}
