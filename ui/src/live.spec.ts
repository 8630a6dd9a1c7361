import { OperationView } from './api';
import { serverSentEvents, watchOperation } from './live';

/** A response body delivering these chunks, as a network would cut them. */
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of serverSentEvents(stream)) events.push(event);
  return events;
}

function view(state: OperationView['state'], progress: number): OperationView {
  return {
    type: 'backup',
    id: 'op-1',
    creationTime: '2026-01-01T00:00:00Z',
    startTime: null,
    completionTime: null,
    state,
    progress,
    errors: [],
    nodes: [],
  };
}

function sse(revision: number, data: OperationView): string {
  return `id: ${revision}\nevent: operation\ndata: ${JSON.stringify(data)}\n\n`;
}

describe('serverSentEvents', () => {
  it('dispatches on blank lines, joins data lines, keeps the last id, skips comments (heartbeats)', async () => {
    const events = await collect(body([': heartbeat\n\n', 'id: 7\nevent: operation\ndata: a\ndata: b\n\n', 'data:c\n\n']));
    expect(events).toEqual([
      { event: 'operation', data: 'a\nb', id: '7' },
      { event: 'message', data: 'c', id: '7' },
    ]);
  });

  it('reads CRLF, CR and LF line ends, a CRLF and a UTF-8 character cut between chunks', async () => {
    const bytes = new TextEncoder().encode('data: é\r\n\r\n');
    const cut = bytes.indexOf(0xa9); // the second byte of é
    const events = await collect(
      new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice(0, cut));
          controller.enqueue(bytes.slice(cut, bytes.length - 3)); // ends with the CR of the first CRLF
          controller.enqueue(bytes.slice(bytes.length - 3));
          controller.enqueue(new TextEncoder().encode('data: x\r\rdata: y\n\n'));
          controller.close();
        },
      }),
    );
    expect(events).toEqual([
      { event: 'message', data: 'é', id: undefined },
      { event: 'message', data: 'x', id: undefined },
      { event: 'message', data: 'y', id: undefined },
    ]);
  });

  it('drops an event the stream cut off before its blank line', async () => {
    expect(await collect(body(['data: whole\n\n', 'data: cut']))).toEqual([{ event: 'message', data: 'whole', id: undefined }]);
  });
});

describe('watchOperation', () => {
  const realFetch = globalThis.fetch;
  let calls: Array<{ url: string; headers: Record<string, string> }>;

  beforeEach(() => {
    calls = [];
    // what api.ts reads the token from
    (globalThis as unknown as { sessionStorage: Pick<Storage, 'getItem'> }).sessionStorage = { getItem: () => 'the-token' };
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  function answer(replies: Array<() => Response>) {
    globalThis.fetch = (async (url: string, init?: RequestInit) => {
      calls.push({ url, headers: (init?.headers ?? {}) as Record<string, string> });
      const next = replies.shift();
      if (!next) throw new Error(`unexpected request ${url}`);
      return next();
    }) as typeof fetch;
  }

  async function watch() {
    const views: OperationView[] = [];
    const modes: string[] = [];
    const errors: number[] = [];
    await watchOperation(
      'op-1',
      { onView: (v) => views.push(v), onError: (e) => errors.push(e.status), onMode: (m) => modes.push(m) },
      new AbortController().signal,
    );
    return { views: views.map((v) => `${v.state} ${v.progress}`), modes, errors };
  }

  it('follows the event stream, with the token, until the operation is final', async () => {
    answer([() => new Response(body([sse(3, view('RUNNING', 0.2)), ': keep-alive\n\n', sse(4, view('COMPLETED', 1))]), { status: 200 })]);
    expect(await watch()).toEqual({ views: ['RUNNING 0.2', 'COMPLETED 1'], modes: ['stream'], errors: [] });
    expect(calls).toEqual([
      { url: '/operations/op-1/events', headers: { accept: 'text/event-stream', authorization: 'Bearer the-token' } },
    ]);
  });

  it('resumes a broken stream from the last event id', async () => {
    answer([
      () => new Response(body([sse(3, view('RUNNING', 0.2))]), { status: 200 }),
      () => new Response(body([sse(5, view('COMPLETED', 1))]), { status: 200 }),
    ]);
    expect((await watch()).views).toEqual(['RUNNING 0.2', 'COMPLETED 1']);
    expect(calls.map((c) => c.headers['last-event-id'])).toEqual([undefined, '3']);
  });

  it('polls GET /operations/{id} when the gateway has no stream (404)', async () => {
    answer([
      () => new Response('{"statusCode":404}', { status: 404 }),
      () => Response.json(view('RUNNING', 0.5)),
      () => Response.json(view('COMPLETED', 1)),
    ]);
    expect(await watch()).toEqual({ views: ['RUNNING 0.5', 'COMPLETED 1'], modes: ['polling'], errors: [] });
    expect(calls.map((c) => c.url)).toEqual(['/operations/op-1/events', '/operations/op-1', '/operations/op-1']);
    expect(calls[1].headers.authorization).toBe('Bearer the-token');
  });

  it('ignores events that carry no view (a gap), and stops on 204 (nothing after the final revision)', async () => {
    const gap = 'event: gap\ndata: {"id":"op-1","after":2,"oldestKept":9,"message":"revisions 3 to 8 are gone"}\n\n';
    answer([() => new Response(body([gap, sse(9, view('RUNNING', 0.9))]), { status: 200 }), () => new Response(null, { status: 204 })]);
    expect(await watch()).toEqual({ views: ['RUNNING 0.9'], modes: ['stream'], errors: [] });
    expect(calls.map((c) => c.headers['last-event-id'])).toEqual([undefined, '9']);
  });

  it('reports a refused token and stops', async () => {
    answer([() => new Response('{}', { status: 401 })]);
    expect(await watch()).toEqual({ views: [], modes: [], errors: [401] });
  });
});
