import { followOperation } from './follow';
import { GatewayClient, GatewayError, GatewayUnreachable, OperationView } from './gateway-client';
import { ServerEvent } from './sse-parser';
import { ProgressDisplay } from './progress-display';

const view = (state: string, progress: number): OperationView =>
  ({ id: 'op', type: 'backup', state, progress, errors: [], nodes: [] }) as unknown as OperationView;
const event = (id: number, state: string, progress: number): ServerEvent => ({
  id: String(id),
  event: 'operation',
  data: JSON.stringify(view(state, progress)),
});

class Recording implements ProgressDisplay {
  readonly shown: string[] = [];
  readonly notes: string[] = [];
  show(v: OperationView): void {
    this.shown.push(`${v.state} ${v.progress}`);
  }
  note(text: string): void {
    this.notes.push(text);
  }
  stop(): void {}
}

/** A client whose event streams are scripted: each connection gets the next script, and records its Last-Event-ID. */
function scripted(connections: Array<(lastEventId?: string) => AsyncGenerator<ServerEvent>>, current?: OperationView) {
  const asked: Array<string | undefined> = [];
  const client = {
    operationEvents(_id: string, lastEventId?: string) {
      asked.push(lastEventId);
      const next = connections.shift();
      if (!next) throw new Error('no more connections expected');
      return next(lastEventId);
    },
    operation: () => Promise.resolve(current ?? view('RUNNING', 0.5)),
  };
  return { client: client as unknown as GatewayClient, asked };
}

describe('followOperation', () => {
  it('resumes with the last event id after a dropped connection: nothing lost, nothing shown twice', async () => {
    const { client, asked } = scripted([
      async function* () {
        yield await Promise.resolve(event(3, 'PENDING', 0));
        yield event(5, 'RUNNING', 0.2);
        throw new GatewayUnreachable('connection reset');
      },
      async function* () {
        yield await Promise.resolve(event(8, 'RUNNING', 0.7));
        yield event(9, 'COMPLETED', 1);
      },
    ]);
    const display = new Recording();
    const final = await followOperation(client, 'op', display, 60_000);
    expect(final.state).toBe('COMPLETED');
    expect(asked).toEqual([undefined, '5']);
    expect(display.shown).toEqual(['PENDING 0', 'RUNNING 0.2', 'RUNNING 0.7', 'COMPLETED 1']);
    expect(display.notes[0]).toMatch(/^reconnecting \(1\/10\): connection reset/);
  });

  it('ends with the current record when the stream says there is nothing more (204), and fails on a 4xx at once', async () => {
    const { client } = scripted(
      [
        async function* () {
          yield* [] as ServerEvent[];
          await Promise.resolve();
        },
      ],
      view('FAILED', 0.4),
    );
    expect((await followOperation(client, 'op', new Recording(), 60_000)).state).toBe('FAILED');

    const refused = scripted([
      async function* () {
        await Promise.resolve();
        yield* [] as ServerEvent[];
        throw new GatewayError(404, { message: 'operation op does not exist' }, 'following operation op');
      },
    ]);
    await expect(followOperation(refused.client, 'op', new Recording(), 60_000)).rejects.toThrow(/404/);
  });
});
