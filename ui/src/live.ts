import { ApiError, api, authHeaders, FINAL_STATES, OperationView } from './api';

/**
 * An operation's every change, as it happens: the gateway's Server-Sent Events stream
 * (`GET /operations/{id}/events`, each event's data the GET /operations/{id} view, its id the KV revision),
 * read with fetch because EventSource cannot send an Authorization header. A gateway without the stream
 * (404) is polled once a second instead. Stops when the operation is final or `signal` aborts.
 */
export interface LiveCallbacks {
  onView: (view: OperationView) => void;
  onError: (error: ApiError) => void;
  /** how the page is fed: 'stream' or 'polling' */
  onMode?: (mode: 'stream' | 'polling') => void;
}

const POLL_INTERVAL_MS = 1_000;
/** reconnections of a broken stream (each resumes with Last-Event-ID) before falling back to polling */
const MAX_RECONNECTS = 5;

export async function watchOperation(id: string, callbacks: LiveCallbacks, signal: AbortSignal): Promise<void> {
  let lastEventId: string | undefined;
  for (let attempt = 0; attempt <= MAX_RECONNECTS && !signal.aborted; attempt++) {
    const outcome = await streamOnce(id, lastEventId, callbacks, signal, (eventId) => (lastEventId = eventId));
    if (outcome === 'final' || outcome === 'refused') return;
    if (outcome === 'absent') break;
    await sleep(POLL_INTERVAL_MS, signal);
  }
  if (!signal.aborted) await poll(id, callbacks, signal);
}

type StreamOutcome = 'final' | 'absent' | 'broken' | 'refused';

async function streamOnce(
  id: string,
  lastEventId: string | undefined,
  callbacks: LiveCallbacks,
  signal: AbortSignal,
  onEventId: (id: string) => void,
): Promise<StreamOutcome> {
  let response: Response;
  try {
    response = await fetch(`/operations/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream', ...authHeaders(), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal,
    });
  } catch {
    return 'broken';
  }
  if (response.status === 404) return 'absent'; // no stream in this gateway (or no such operation: polling says which)
  if (response.status === 401 || response.status === 403) {
    callbacks.onError(new ApiError(response.status, `the gateway refused the event stream (${response.status})`));
    return 'refused';
  }
  // 204: nothing after our Last-Event-ID, which was the final revision (we have it already)
  if (response.status === 204) return 'final';
  if (!response.ok || !response.body) return 'broken';
  callbacks.onMode?.('stream');
  let final = false;
  try {
    for await (const event of serverSentEvents(response.body)) {
      if (event.id !== undefined) onEventId(event.id);
      // `gap` (revisions the bucket no longer keeps: the next view is still the latest truth) and others carry no view
      const view = event.event === 'operation' || event.event === 'message' ? parseView(event.data) : undefined;
      if (!view) continue;
      callbacks.onView(view);
      if (FINAL_STATES.has(view.state)) final = true;
    }
  } catch {
    return signal.aborted ? 'final' : 'broken';
  }
  return final || signal.aborted ? 'final' : 'broken';
}

async function poll(id: string, callbacks: LiveCallbacks, signal: AbortSignal): Promise<void> {
  callbacks.onMode?.('polling');
  while (!signal.aborted) {
    try {
      const view = await api.operation(id);
      if (signal.aborted) return;
      callbacks.onView(view);
      if (FINAL_STATES.has(view.state)) return;
    } catch (error) {
      if (error instanceof ApiError) {
        callbacks.onError(error);
        // a refusal or an unknown operation will not change by asking again
        if (error.status === 401 || error.status === 403 || error.status === 404) return;
      }
    }
    await sleep(POLL_INTERVAL_MS, signal);
  }
}

function parseView(data: string): OperationView | undefined {
  if (!data) return undefined;
  try {
    const value = JSON.parse(data) as Partial<OperationView>;
    return typeof value.id === 'string' && typeof value.state === 'string' ? (value as OperationView) : undefined;
  } catch {
    return undefined;
  }
}

export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The events of a text/event-stream body, per the HTML spec's parsing rules: lines end with CRLF, LF or CR;
 * `:` lines are comments (heartbeats); `data` lines accumulate; a blank line dispatches.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      // a CR at the end may be the first half of a CRLF: it waits, with the unfinished line, for the next chunk
      const pendingCr = buffer.endsWith('\r') ? '\r' : '';
      const lines = (pendingCr ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + pendingCr;
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? '' : line.slice(colon + 1);
        const fieldValue = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'data') data.push(fieldValue);
        else if (field === 'event') event = fieldValue;
        else if (field === 'id' && !fieldValue.includes('\0')) id = fieldValue;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
