import { errors } from '@nats-io/transport-node';
import { NodeEventKind, OperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { DEFAULT_SETTLEMENT_POLICY, exceedsAttempts, RetryableError } from '@daedalus/messaging';
import { ExecutionContext, MapExecutorRegistry, OperationExecutor } from '../operations/executor';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandGuard } from './command-guard';
import { CommandHandler } from './command.handler';
import { CommandRequests } from './command-requests';
import { EventPublisher } from './event-publisher';
import { SecretScrubber } from './secret-scrubber';

/** The agent's roots: the restore commands below use a file:// store under /tmp. */
const ROOTS = { fileStores: ['/tmp'], import: [], staging: [], config: [] };

const HOST = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';

/** A guard that admits every command with the record given (the guard's own checks: command-guard.spec.ts). */
const admitting = (record: () => Partial<OperationRecord>) =>
  ({ admit: async () => record() as OperationRecord }) as unknown as CommandGuard;

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
    {
      publish: async (_op: string, _host: string, kind: NodeEventKind, fields: { phase?: string }) =>
        void events.push([kind, fields.phase]),
    } as unknown as EventPublisher,
    admitting(() => record),
    { current: { hostId: HOST }, roots: ROOTS } as unknown as NodeRegistrationService,
    new CommandRequests(undefined, new SecretScrubber()),
  );
  const command = (phase: string) => ({
    schemaVersion: SCHEMA_VERSION,
    kind: 'run' as const,
    operationId: OP,
    hostId: HOST,
    type: 'flush',
    phase,
    request: { type: 'flush', keyspace: 'ks', id: OP, hostId: HOST },
    issuedAt: new Date().toISOString(),
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
    expect(events).toEqual([
      ['started', 'A'],
      ['started', 'B'],
      ['completed', 'A'],
      ['completed', 'B'],
    ]);
  });

  describe('a command redelivered to a restarted agent', () => {
    /** a fresh agent process: nothing in memory, the record says what happened */
    function restartedAgent() {
      const ran: Array<string | undefined> = [];
      const published: Array<{ kind: NodeEventKind; run: number }> = [];
      const instant: OperationExecutor = {
        type: 'restore',
        execute: async (_request: unknown, context: ExecutionContext) => {
          ran.push(context.phase);
          return { imported: ['ks.t'] };
        },
      };
      const agent = new CommandHandler(
        new MapExecutorRegistry([instant]),
        {
          publish: async (_op: string, _host: string, kind: NodeEventKind, _fields: unknown, run = 0) => void published.push({ kind, run }),
        } as unknown as EventPublisher,
        admitting(() => record),
        { current: { hostId: HOST }, roots: ROOTS } as unknown as NodeRegistrationService,
        new CommandRequests(undefined, new SecretScrubber()),
      );
      return { agent, ran, published };
    }
    const restoreCommand = (resume?: number) => ({
      schemaVersion: SCHEMA_VERSION,
      kind: 'run' as const,
      operationId: OP,
      hostId: HOST,
      type: 'restore',
      phase: 'IMPORT',
      ...(resume ? { resume } : {}),
      request: { type: 'restore', storageLocation: 'file:///tmp/b', snapshotTag: 's', id: OP, hostId: HOST },
      issuedAt: new Date().toISOString(),
    });
    const node = (state: OperationState) => ({ [HOST]: { hostId: HOST, address: 'a', dc: 'dc1', state, progress: 0.4, phase: 'IMPORT' } });

    it('runs IMPORT again when the node entry is RUNNING (started, no result: the agent died), and reports it', async () => {
      record = { state: OperationState.RUNNING, phase: 'IMPORT', nodes: node(OperationState.RUNNING) };
      const { agent, ran, published } = restartedAgent();
      await agent.handle(restoreCommand(), { subject: 's', attempt: 2, isLastAttempt: false });
      expect(ran).toEqual(['IMPORT']);
      expect(published.map((p) => p.kind)).toEqual(['started', 'completed']);
    });

    it('is within the delivery bound after a restart: the settlement runs it rather than dead-letter it', () => {
      // the agent's bound (--max-attempts, default 5) dead-letters only deliveries beyond it without running them
      expect(exceedsAttempts(2, { ...DEFAULT_SETTLEMENT_POLICY, maxAttempts: 5 })).toBe(false);
    });

    it('does nothing when the node already reported its result', async () => {
      record = { state: OperationState.RUNNING, phase: 'IMPORT', nodes: node(OperationState.COMPLETED) };
      const { agent, ran, published } = restartedAgent();
      await agent.handle(restoreCommand(), { subject: 's', attempt: 2, isLastAttempt: false });
      expect(ran).toEqual([]);
      expect(published).toEqual([]);
    });

    it("reports under the resumed run's count, so the results are not dropped as repeats of the failed run's", async () => {
      record = { state: OperationState.RUNNING, phase: 'IMPORT', resumeCount: 1, nodes: node(OperationState.PENDING) };
      const first = restartedAgent();
      await first.agent.handle(restoreCommand(1), context);
      expect(first.published).toEqual([
        { kind: 'started', run: 1 },
        { kind: 'completed', run: 1 },
      ]);
      // the first run's command redelivered after the resume reports under the current count too
      const second = restartedAgent();
      await second.agent.handle(restoreCommand(), context);
      expect(second.published.every((p) => p.run === 1)).toBe(true);
    });
  });
  describe('while NATS cannot answer (a server lost, the broker restarting)', () => {
    function agentWith(publishFails: (kind: NodeEventKind) => boolean, execute: OperationExecutor['execute']) {
      const published: NodeEventKind[] = [];
      const agent = new CommandHandler(
        new MapExecutorRegistry([{ type: 'flush', execute }]),
        {
          publish: async (_op: string, _host: string, kind: NodeEventKind) => {
            if (publishFails(kind)) throw new errors.TimeoutError();
            published.push(kind);
          },
        } as unknown as EventPublisher,
        admitting(() => ({ state: OperationState.RUNNING, phase: 'A', nodes: {} })),
        { current: { hostId: HOST }, roots: ROOTS } as unknown as NodeRegistrationService,
        new CommandRequests(undefined, new SecretScrubber()),
      );
      return { agent, published };
    }

    it('keeps working when a progress event cannot be published, and reports the result once NATS takes it', async () => {
      let resultRefusals = 1;
      const { agent, published } = agentWith(
        (kind) => kind === 'progress' || (kind === 'completed' && resultRefusals-- > 0),
        async (_request, context) => {
          await context.progress(0.5, 'half');
          return { done: true };
        },
      );
      await agent.handle(command('A'), context);
      expect(published).toEqual(['started', 'completed']);
    });

    it('holds the work until a restore ledger fact is stored (retried while NATS cannot take it), unlike progress', async () => {
      let refusals = 1;
      const steps: string[] = [];
      const { agent, published } = agentWith(
        (kind) => kind === 'progress' && refusals-- > 0,
        async (_request, context) => {
          await context.reportLedger({ done: 'truncated', table: 'ks.t' });
          steps.push('after the fact');
          return { done: true };
        },
      );
      await agent.handle(command('A'), context);
      expect(published).toEqual(['started', 'progress', 'completed']);
      expect(steps).toEqual(['after the fact']);
    });

    it('has the command redelivered, never reports the node failed, when NATS fails the work itself', async () => {
      const { agent, published } = agentWith(
        () => false,
        async () => {
          throw new errors.TimeoutError();
        },
      );
      await expect(agent.handle(command('A'), context)).rejects.toBeInstanceOf(RetryableError);
      expect(published).toEqual(['started']);
    });
  });
});
