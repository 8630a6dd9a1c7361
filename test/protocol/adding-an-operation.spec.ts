import {
  applyNodeEvent,
  BaseOperationRequest,
  isTerminal,
  newOperationRecord,
  nodeCommand,
  NodeCommandMessage,
  NodeEventMessage,
  NodeProgress,
  OperationProtocol,
  OperationRecord,
  OperationRequest,
  OperationState,
  pendingNodes,
  requestCancel,
  SCHEMA_VERSION,
  startOperation,
} from '@daedalus/contracts';
import { OperationPlan, phasedPlan } from '../../apps/coordinator/src/plans/operation-plan';
import { ExecutionContext, honoursCancel } from '../../apps/node-agent/src/operations/executor';
import { PhasedExecutor, PhaseHandlers } from '../../apps/node-agent/src/operations/phased-executor';

/**
 * What a new multi-phase operation type takes: one protocol (libs/contracts), one plan (coordinator), one
 * executor (agent). This one, made up for the test, has every node SAY something, then one node CHECK what
 * they all said. The record is driven through the same lifecycle functions the coordinator applies.
 */

/** A real type's request would also be registered in OPERATION_REQUEST_TYPES (the gateway validates it there). */
class EchoRequest extends BaseOperationRequest {
  override type = 'echo' as const;
  text!: string;
}

// --- the protocol: phases, where they run, cancel rules, context and result DTOs
const ECHO_PHASES = ['SAY', 'CHECK'] as const;
type EchoContext = { greeting: string };
type EchoProtocol = OperationProtocol<EchoRequest, typeof ECHO_PHASES, EchoContext, { SAY: { said: string }; CHECK: { heard: string[] } }>;

const echoProtocol: EchoProtocol = {
  type: 'echo',
  phases: ECHO_PHASES,
  rules: {
    SAY: { on: 'all', cancelBefore: true, cancelDuring: true },
    CHECK: { on: 'one', cancelBefore: false, cancelDuring: false },
  },
  sequence: () => ECHO_PHASES,
};

// --- the plan: weights, a cross-node check, the context fixed at the start
const echoPlan: OperationPlan = phasedPlan({
  protocol: echoProtocol,
  weights: { SAY: 3, CHECK: 1 },
  afterAll: {
    SAY: (results) =>
      Object.values(results).every((r) => r.said.startsWith('hello')) ? { ok: true } : { ok: false, error: 'a node said something else' },
  },
  context: (request) => ({ greeting: `hello ${request.text}` }),
});

// --- the executor: one handler per phase, typed context and earlier results
class EchoExecutor extends PhasedExecutor<EchoProtocol> {
  protected readonly protocol = echoProtocol;
  protected readonly phases: PhaseHandlers<EchoProtocol> = {
    SAY: async (_request, context) => ({ said: `${context.coordination?.greeting ?? '?'} from ${this.hostId}` }),
    CHECK: async (_request, context) => ({ heard: Object.values(context.results.SAY ?? {}).map((r) => r.said) }),
  };

  constructor(private readonly hostId: string) {
    super();
  }
}

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const NOW = new Date('2026-01-01T00:00:00Z');
const targets: NodeProgress[] = ['h1', 'h2'].map((hostId, i) => ({
  hostId,
  address: `10.0.0.${i + 1}`,
  dc: 'dc1',
  state: OperationState.PENDING,
  progress: 0,
}));
const agents = new Map(targets.map((t) => [t.hostId, new EchoExecutor(t.hostId)]));

function submitted(text: string): OperationRecord {
  const request = Object.assign(new EchoRequest(), { type: 'echo', text, globalRequest: true });
  const record = newOperationRecord(ID, request as unknown as OperationRequest, NOW, SCHEMA_VERSION);
  const started = startOperation(record, targets, NOW, echoPlan.phases(record), echoPlan.context(record, targets, [], NOW));
  if (!started) throw new Error('not started');
  return started;
}

/** An agent runs one command, as the command handler would, and reports its result as an event. */
async function run(command: NodeCommandMessage): Promise<NodeEventMessage> {
  const wire = JSON.parse(JSON.stringify(command)) as NodeCommandMessage;
  const context: ExecutionContext = {
    operationId: wire.operationId,
    phase: wire.phase,
    coordinatorContext: wire.context,
    phaseResults: wire.phaseResults,
    signal: new AbortController().signal,
    progress: async () => undefined,
    reportLedger: async () => undefined,
  };
  const executor = agents.get(wire.hostId) as EchoExecutor;
  const result = await executor.execute(wire.request as unknown as EchoRequest, context);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'completed',
    operationId: ID,
    hostId: wire.hostId,
    progress: 1,
    phase: wire.phase,
    result,
    at: '',
  };
}

/** The coordinator's loop: command the nodes that owe a result, fold their events in, until the operation ends. */
async function drive(
  record: OperationRecord,
  beforeEachPhase: (r: OperationRecord) => OperationRecord = (r) => r,
): Promise<OperationRecord> {
  let current = record;
  const phasesSeen: string[] = [];
  while (!isTerminal(current.state)) {
    if (!phasesSeen.includes(current.phase ?? '')) current = beforeEachPhase(current);
    phasesSeen.push(current.phase ?? '');
    const commands = pendingNodes(current).map((node) => nodeCommand(current, node, 'run', echoPlan.nodeRequest(current, node), NOW));
    for (const event of await Promise.all(commands.map(run))) {
      current = applyNodeEvent(current, event, NOW, echoPlan.phases(current)) ?? current;
    }
  }
  return current;
}

describe('adding a multi-phase operation: one protocol, one plan, one executor', () => {
  it('runs every phase in order, later phases reading the earlier ones’ results, and ends with the response', async () => {
    const done = await drive(submitted('world'));
    const said = { h1: { said: 'hello world from h1' }, h2: { said: 'hello world from h2' } };
    expect(done).toMatchObject({
      state: OperationState.COMPLETED,
      progress: 1,
      phases: ['SAY', 'CHECK'],
      context: { greeting: 'hello world' },
    });
    expect(done.response).toEqual({ SAY: said, CHECK: { h1: { heard: ['hello world from h1', 'hello world from h2'] } } });
    expect(done.nodes?.h2).toMatchObject({ state: OperationState.COMPLETED, message: 'no work in phase CHECK' });
  });

  it('fails the operation when the plan’s cross-node check refuses a phase', async () => {
    const record = { ...submitted('world'), context: { greeting: 'bye' } };
    const done = await drive(record);
    expect(done).toMatchObject({ state: OperationState.FAILED, phase: 'SAY' });
    expect(done.errors).toEqual([{ source: 'coordinator', message: 'a node said something else (phase SAY)' }]);
  });

  it('follows the protocol’s cancel rules: a cancel during SAY does not keep CHECK (cancelBefore false) from running', async () => {
    const cancelDuringSay = (r: OperationRecord) => (r.phase === 'SAY' ? (requestCancel(r, NOW) ?? r) : r);
    const done = await drive(submitted('world'), cancelDuringSay);
    expect(done).toMatchObject({ state: OperationState.COMPLETED, cancelRequested: true });
    const agent = agents.get('h1') as EchoExecutor;
    expect([honoursCancel(agent, 'SAY'), honoursCancel(agent, 'CHECK')]).toEqual([true, false]);
  });

  it('is held together by the compiler: tsc fails on each mistake below (and on an @ts-expect-error with nothing to expect)', () => {
    const mistakes = [
      // @ts-expect-error a plan weighs every phase of its protocol
      phasedPlan({ protocol: echoProtocol, weights: { SAY: 1 }, context: () => ({ greeting: 'x' }) }),
      phasedPlan({
        protocol: echoProtocol,
        weights: { SAY: 1, CHECK: 1 },
        // @ts-expect-error a cross-node check reads the results its phase returns
        afterAll: { SAY: (_results: Record<string, number>) => ({ ok: true as const }) },
        context: () => ({ greeting: 'x' }),
      }),
      {
        // @ts-expect-error a phase handler returns its phase's result DTO
        SAY: async () => ({ said: 42 }),
        CHECK: async () => ({ heard: [] }),
      } satisfies PhaseHandlers<EchoProtocol>,
      // @ts-expect-error an executor handles every phase of its protocol
      { SAY: async () => ({ said: '' }) } satisfies PhaseHandlers<EchoProtocol>,
      // @ts-expect-error a protocol gives the rules of every phase it names
      { type: 'echo', phases: ECHO_PHASES, rules: { SAY: echoProtocol.rules.SAY }, sequence: () => [] } satisfies EchoProtocol,
    ];
    expect(mistakes).toHaveLength(5);
  });
});
