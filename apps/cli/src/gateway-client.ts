import type { BackupSummaryView, OperationView } from '../../gateway/src/docs/response-views';
import type { ScheduleRunView, ScheduleView } from '../../gateway/src/schedules/schedule-view';
import { errorMessage } from '@daedalus/common';
import { ServerEvent, SseParser } from './sse-parser';

export type { BackupSummaryView, OperationView, ScheduleRunView, ScheduleView };

/** The gateway's error body: `{statusCode, error, message, errors: [{field, message}]}` (docs/design.md). */
export interface ErrorBody {
  statusCode?: number;
  error?: string;
  message?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** The gateway answered with an error status: its body names the field at fault. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    what: string,
  ) {
    super(`${what}: ${status}${body?.error ? ` ${body.error}` : ''}${body?.message ? `: ${body.message}` : ''}`);
  }
}

/** No answer: the gateway could not be reached, or did not answer in time. */
export class GatewayUnreachable extends Error {}

export interface ClientOptions {
  gateway: string;
  token?: string;
  /** bound of every request (an event stream: of its opening) */
  timeoutMs: number;
  /** an event stream silent this long (the gateway sends a heartbeat every 15 s by default) is dropped */
  idleTimeoutMs?: number;
}

export interface OperationFilter {
  types?: string[];
  states?: string[];
}

export interface BackupQuery {
  storageLocation: string;
  lastN?: number;
  fromTimestamp?: number;
}

/**
 * A small typed client of the gateway's HTTP API, over fetch: every call bounded by `timeoutMs`, the token sent
 * as a bearer token and never part of an error message.
 */
export class GatewayClient {
  constructor(private readonly options: ClientOptions) {}

  submit(body: Record<string, unknown>): Promise<OperationView> {
    return this.json<OperationView>('POST', '/operations', body, 'submitting the operation');
  }

  operation(id: string): Promise<OperationView> {
    return this.json<OperationView>('GET', `/operations/${encodeURIComponent(id)}`, undefined, `reading operation ${id}`);
  }

  operations(filter: OperationFilter = {}): Promise<OperationView[]> {
    const query = new URLSearchParams();
    for (const type of filter.types ?? []) query.append('type', type);
    for (const state of filter.states ?? []) query.append('state', state);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.json<OperationView[]>('GET', `/operations${suffix}`, undefined, 'listing operations');
  }

  cancel(id: string): Promise<OperationView> {
    return this.json<OperationView>('DELETE', `/operations/${encodeURIComponent(id)}`, undefined, `cancelling operation ${id}`);
  }

  backups(query: BackupQuery): Promise<BackupSummaryView[]> {
    const params = new URLSearchParams({ storageLocation: query.storageLocation });
    if (query.lastN !== undefined) params.set('lastN', String(query.lastN));
    if (query.fromTimestamp !== undefined) params.set('fromTimestamp', String(query.fromTimestamp));
    return this.json<BackupSummaryView[]>('GET', `/backups?${params.toString()}`, undefined, 'listing backups');
  }

  schedules(): Promise<ScheduleView[]> {
    return this.json<ScheduleView[]>('GET', '/schedules', undefined, 'listing schedules');
  }

  schedule(id: string): Promise<ScheduleView> {
    return this.json<ScheduleView>('GET', `/schedules/${encodeURIComponent(id)}`, undefined, `reading schedule ${id}`);
  }

  createSchedule(definition: Record<string, unknown>): Promise<ScheduleView> {
    return this.json<ScheduleView>('POST', '/schedules', definition, 'creating the schedule');
  }

  replaceSchedule(id: string, definition: Record<string, unknown>): Promise<ScheduleView> {
    return this.json<ScheduleView>('PUT', `/schedules/${encodeURIComponent(id)}`, definition, `changing schedule ${id}`);
  }

  /** DELETE /schedules/{id}: 204, no body. */
  async deleteSchedule(id: string): Promise<void> {
    await this.json<undefined>('DELETE', `/schedules/${encodeURIComponent(id)}`, undefined, `deleting schedule ${id}`, { empty: true });
  }

  /**
   * The events of one operation after `lastEventId` (GET /operations/{id}/events). Ends when the gateway ends
   * the stream (the operation is final) or answers 204 (the client has the final revision already); throws
   * GatewayUnreachable when the connection fails or stays silent past the idle timeout (resume with the last id).
   */
  async *operationEvents(id: string, lastEventId?: string): AsyncGenerator<ServerEvent> {
    const controller = new AbortController();
    const what = `following operation ${id}`;
    const opening = setTimeout(() => controller.abort(), this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.url(`/operations/${encodeURIComponent(id)}/events`), {
        headers: { ...this.headers(), accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: controller.signal,
      });
    } catch (error) {
      throw this.unreachable(what, error);
    } finally {
      clearTimeout(opening);
    }
    if (response.status === 204) return;
    if (!response.ok || !response.body) throw new GatewayError(response.status, await errorBody(response), what);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    const idleMs = this.options.idleTimeoutMs ?? 60_000;
    try {
      for (;;) {
        let idle: NodeJS.Timeout | undefined;
        const silent = new Promise<never>((_, reject) => {
          idle = setTimeout(() => reject(new GatewayUnreachable(`${what}: the event stream was silent for ${idleMs} ms`)), idleMs);
        });
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await Promise.race([reader.read(), silent]);
        } catch (error) {
          if (error instanceof GatewayUnreachable) throw error;
          throw this.unreachable(what, error);
        } finally {
          clearTimeout(idle);
        }
        if (chunk.done) return;
        yield* parser.push(decoder.decode(chunk.value, { stream: true }));
      }
    } finally {
      controller.abort();
    }
  }

  /** `empty`: the answer has no body (204), which is then what success looks like. */
  private async json<T>(method: string, path: string, body: unknown, what: string, expect: { empty?: boolean } = {}): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url(path), {
        method,
        headers: { ...this.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw this.unreachable(what, error);
    }
    const parsed = parseJson(text);
    if (!response.ok) throw new GatewayError(response.status, parsed as ErrorBody | undefined, what);
    if (expect.empty && text === '') return undefined as T;
    if (parsed === undefined) throw new GatewayError(response.status, { message: 'the answer is not JSON' }, what);
    return parsed as T;
  }

  private url(path: string): string {
    return `${this.options.gateway}${path}`;
  }

  private headers(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  private unreachable(what: string, error: unknown): GatewayUnreachable {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const reason = timedOut ? `no answer within ${this.options.timeoutMs} ms` : `${errorMessage(error)}${cause}`;
    return new GatewayUnreachable(`${what}: cannot reach the gateway at ${this.options.gateway} (${reason})`);
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

async function errorBody(response: Response): Promise<ErrorBody | undefined> {
  try {
    return parseJson(await response.text()) as ErrorBody | undefined;
  } catch {
    return undefined;
  }
}
