import { NodeCommandKind, NodeEventKind, NodeState, OperationRecord, OperationState, SCHEMA_VERSION } from '@daedalus/contracts';
import { ExecutionContext, MapExecutorRegistry, OperationExecutor } from '../operations/executor';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandGuard } from './command-guard';
import { CommandHandler } from './command.handler';
import { CommandRequests } from './command-requests';
import { EventPublisher } from './event-publisher';
import { SecretScrubber } from './secret-scrubber';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const ROOTS = { fileStores: ['/tmp'], import: [], staging: [], config: [] };
const HOST = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OP = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const OBJECTS = 5;

/**
 * An upload of OBJECTS objects, one at a time: each waits until the test lets it through, and the signal is
 * checked between objects — the safe point, as the backup's upload checks it between objects.
 */
class ObjectByObject implements OperationExecutor {
  readonly type = 'verify' as const;
  readonly stored: number[] = [];
  private release?: () => void;

  async execute(_request: unknown, context: ExecutionContext): Promise<unknown> {
    for (let i = 0; i < OBJECTS; i++) {
      context.signal.throwIfAborted();
      await new Promise<void>((resolve) => (this.release = resolve));
      this.stored.push(i);
      await context.progress((i + 1) / OBJECTS);
    }
    return { objects: OBJECTS };
  }

  /** waits until an object is in flight (bounded: the handler's own awaits come first, slower on a busy machine) */
  async atObject(): Promise<void> {
    for (let i = 0; i < 2000 && !this.release; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** lets the object in flight finish, once the executor is at it */
  async next(): Promise<void> {
    await this.atObject();
    const release = this.release;
    if (!release) throw new Error('no object in flight');
    this.release = undefined;
    release();
    await tick();
  }
}

function agent(record: () => Partial<OperationRecord>) {
  const executor = new ObjectByObject();
  const published: Array<{ kind: NodeEventKind; round?: number; progress: number }> = [];
  const handler = new CommandHandler(
    new MapExecutorRegistry([executor]),
    {
      publish: async (_op: string, _host: string, kind: NodeEventKind, fields: { round?: number; progress: number }) =>
        void published.push({ kind, round: fields.round, progress: fields.progress }),
    } as unknown as EventPublisher,
    { admit: async () => record() as OperationRecord } as unknown as CommandGuard,
    { current: { hostId: HOST }, roots: ROOTS } as unknown as NodeRegistrationService,
    new CommandRequests(undefined, new SecretScrubber()),
  );
  const send = (kind: NodeCommandKind, round?: number) =>
    handler.handle(
      {
        schemaVersion: SCHEMA_VERSION,
        kind,
        operationId: OP,
        hostId: HOST,
        type: 'verify',
        ...(round ? { round } : {}),
        request: { type: 'verify', storageLocation: 'file:///tmp/b', backupName: 'b1', id: OP, hostId: HOST },
        issuedAt: new Date().toISOString(),
      },
      { subject: 's', attempt: 1, isLastAttempt: false },
    );
  const kinds = () => published.filter((e) => e.kind !== 'progress').map((e) => `${e.kind}${e.round ? `@${e.round}` : ''}`);
  return { executor, published, send, kinds };
}

const recordWith = (state: NodeState, round?: number): Partial<OperationRecord> => ({
  id: OP,
  type: 'verify',
  state: OperationState.RUNNING,
  nodes: { [HOST]: { hostId: HOST, address: 'a', dc: 'dc1', state, progress: 0.2, ...(round ? { round } : {}) } },
});

describe('CommandHandler: pause at a maintenance window end', () => {
  jest.setTimeout(30_000);
  it('stops a running round at its next safe point and reports paused, not cancelled or completed', async () => {
    const record = recordWith(NodeState.RUNNING);
    const { executor, send, kinds } = agent(() => record);
    const run = send('run');
    await executor.next(); // object 0 stored
    await executor.next(); // object 1 stored
    await executor.atObject(); // object 2 in flight
    await send('pause');
    await executor.next(); // the object in flight (2) finishes; the next is never started
    await run;
    expect(executor.stored).toEqual([0, 1, 2]);
    expect(kinds()).toEqual(['started', 'paused']);
  });

  it('reports paused at once for a round it has not started, and its run command then does nothing', async () => {
    let record = recordWith(NodeState.PENDING);
    const { executor, send, kinds } = agent(() => record);
    await send('pause');
    expect(kinds()).toEqual(['paused']);
    // the run command comes after the pause (concurrent delivery), or is redelivered once the record shows PAUSED
    await send('run');
    record = recordWith(NodeState.PAUSED);
    await send('run');
    expect(executor.stored).toEqual([]);
    expect(kinds()).toEqual(['paused', 'paused']); // the repeat has the same message id: one event for the coordinator
  });

  it('changes nothing for a node that already has its result', async () => {
    const { send, kinds } = agent(() => recordWith(NodeState.COMPLETED));
    await send('pause');
    await send('run');
    expect(kinds()).toEqual([]);
  });

  it('runs the next round once re-admitted, reporting under that round; a redelivered earlier round does nothing', async () => {
    let record = recordWith(NodeState.RUNNING);
    const { executor, send, kinds } = agent(() => record);
    const first = send('run');
    await executor.atObject();
    await send('pause');
    await executor.next();
    await first;
    // the next window: round 1 admitted (PENDING)
    record = recordWith(NodeState.PENDING, 1);
    await send('run'); // round 0 redelivered: not this round
    const second = send('run', 1);
    for (let i = 0; i < OBJECTS; i++) await executor.next();
    await second;
    expect(kinds()).toEqual(['started', 'paused', 'started@1', 'completed@1']);
  });

  it('reports the result when the pause comes as the work ends: nothing is left to pause', async () => {
    const record = recordWith(NodeState.RUNNING);
    const { executor, send, kinds } = agent(() => record);
    const run = send('run');
    for (let i = 0; i < OBJECTS - 1; i++) await executor.next();
    await executor.atObject();
    await send('pause'); // the last object is in flight: the executor never reaches another safe point
    await executor.next();
    await run;
    expect(kinds()).toEqual(['started', 'completed']);
  });
});
