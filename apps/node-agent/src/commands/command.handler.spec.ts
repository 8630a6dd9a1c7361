import { NodeEventKind, OperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { OperationStore } from '@daedalus/messaging';
import { ExecutionContext, MapExecutorRegistry, OperationExecutor } from '../executors/executor';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandHandler } from './command.handler';
import { EventPublisher } from './event-publisher';

const HOST = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';

/** An executor whose runs wait until the test releases them, so two can overlap. */
class GatedExecutor implements OperationExecutor {
  readonly type = 'flush' as const;
  readonly phases: string[] = [];
  private readonly gates: Array<() => void> = [];

  execute(_request: unknown, context: ExecutionContext): Promise<unknown> {
    this.phases.push(context.phase ?? '');
    return new Promise((resolve) => this.gates.push(() => resolve(undefined)));
  }

  releaseAll(): void {
    this.gates.splice(0).forEach((release) => release());
  }
}

describe('CommandHandler', () => {
  let record: Partial<OperationRecord>;
  const events: Array<[NodeEventKind, string | undefined]> = [];
  const executor = new GatedExecutor();
  const handler = new CommandHandler(
    new MapExecutorRegistry([executor]),
    { publish: async (_op: string, _host: string, kind: NodeEventKind, fields: { phase?: string }) => void events.push([kind, fields.phase]) } as unknown as EventPublisher,
    { get: async () => record as OperationRecord } as unknown as OperationStore,
    { current: { hostId: HOST } } as unknown as NodeRegistrationService,
  );
  const command = (phase: string) => ({
    schemaVersion: SCHEMA_VERSION, kind: 'run', operationId: OP, hostId: HOST, type: 'flush', phase,
    request: { type: 'flush', keyspace: 'ks', id: OP, hostId: HOST }, issuedAt: new Date().toISOString(),
  });
  const context = { subject: 's', attempt: 1, isLastAttempt: false };

  it("runs the next phase's command even while the previous phase's handler is still finishing", async () => {
    record = { state: OperationState.RUNNING, phase: 'A', nodes: {} };
    const first = handler.handle(command('A'), context);
    await new Promise((resolve) => setImmediate(resolve));
    // the coordinator moved on and sent phase B before A's handler returned
    record = { state: OperationState.RUNNING, phase: 'B', nodes: {} };
    const second = handler.handle(command('B'), context);
    await new Promise((resolve) => setImmediate(resolve));
    expect(executor.phases).toEqual(['A', 'B']);
    // a redelivered copy of B while B runs is not run twice
    await handler.handle(command('B'), context);
    expect(executor.phases).toEqual(['A', 'B']);
    executor.releaseAll();
    await Promise.all([first, second]);
    expect(events).toEqual([['started', 'A'], ['started', 'B'], ['completed', 'A'], ['completed', 'B']]);
  });
});
