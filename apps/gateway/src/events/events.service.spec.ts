import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { OperationRecord, OperationState } from '@daedalus/contracts';
import { GatewayConfig } from '../gateway-config';
import { EventsService } from './events.service';
import { KeptHistory, RecordRevision, RecordWatch, RevisionFeed } from './record-watch';

/** An Express response as far as the event stream uses it, recording what was written. */
class RecordedResponse extends EventEmitter {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  written = '';
  ended = false;
  writableNeedDrain = false;
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }
  events(): Array<{ id?: string; event: string; data: Record<string, unknown> }> {
    return this.written
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) => {
        const field = (name: string) => /^(\w+): (.*)$/m.exec(block.split('\n').find((l) => l.startsWith(`${name}: `)) ?? '')?.[2];
        return { id: field('id'), event: field('event') ?? '', data: JSON.parse(field('data') ?? '{}') as Record<string, unknown> };
      });
  }
}

const request = { socket: { setNoDelay: () => undefined }, path: '/test' } as unknown as Request;

function record(state: OperationState, progress = 0): OperationRecord {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    type: 'flush',
    state,
    progress,
    errors: [],
    creationTime: '2026-01-01T00:00:00.000Z',
    request: { type: 'flush' },
  } as unknown as OperationRecord;
}

/** A watch over a fixed list of revisions (what the bucket keeps), plus the current one. */
class FixedWatch {
  stopped = 0;
  constructor(
    private readonly kept: RecordRevision[],
    private readonly history: KeptHistory = { stored: kept.length, limit: 64 },
  ) {}
  current(): Promise<RecordRevision | undefined> {
    return Promise.resolve(this.kept[this.kept.length - 1]);
  }
  ofRecord(): Promise<RevisionFeed> {
    const kept = this.kept;
    async function* revisions(): AsyncIterable<RecordRevision> {
      for (const revision of kept) yield await Promise.resolve(revision);
    }
    return Promise.resolve({ revisions: revisions(), stop: () => (this.stopped += 1) });
  }
  keptHistory(): Promise<KeptHistory> {
    return Promise.resolve(this.history);
  }
}

const config = { eventsHeartbeatMs: 60_000, eventsMaxStreams: 1 } as GatewayConfig;
const ID = '00000000-0000-4000-8000-000000000001';
const rev = (revision: number, state: OperationState, progress = 0): RecordRevision => ({
  id: ID,
  revision,
  record: record(state, progress),
});

describe('EventsService (one operation)', () => {
  it('sends every kept revision as an operation event with its revision as id, and ends after the final one', async () => {
    const watch = new FixedWatch([
      rev(3, OperationState.PENDING),
      rev(5, OperationState.RUNNING, 0.5),
      rev(9, OperationState.COMPLETED, 1),
    ]);
    const response = new RecordedResponse();
    await new EventsService(watch as unknown as RecordWatch, config).streamOperation(
      ID,
      undefined,
      request,
      response as unknown as Response,
    );
    expect(response.events().map((e) => [e.id, e.event, e.data.state])).toEqual([
      ['3', 'operation', 'PENDING'],
      ['5', 'operation', 'RUNNING'],
      ['9', 'operation', 'COMPLETED'],
    ]);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.ended).toBe(true);
    expect(watch.stopped).toBeGreaterThan(0);
  });

  it('resumes after Last-Event-ID, and keeps going past a FAILED revision that a resume followed', async () => {
    const watch = new FixedWatch([
      rev(3, OperationState.RUNNING),
      rev(5, OperationState.FAILED),
      rev(8, OperationState.RUNNING),
      rev(9, OperationState.COMPLETED),
    ]);
    const response = new RecordedResponse();
    await new EventsService(watch as unknown as RecordWatch, config).streamOperation(ID, 3, request, response as unknown as Response);
    expect(response.events().map((e) => e.id)).toEqual(['5', '8', '9']);
  });

  it('says when revisions after Last-Event-ID may be gone (the store keeps the last N and holds N)', async () => {
    const watch = new FixedWatch([rev(20, OperationState.RUNNING), rev(21, OperationState.COMPLETED)], { stored: 2, limit: 2 });
    const response = new RecordedResponse();
    await new EventsService(watch as unknown as RecordWatch, config).streamOperation(ID, 4, request, response as unknown as Response);
    expect(response.events().map((e) => [e.event, e.id])).toEqual([
      ['gap', undefined],
      ['operation', '20'],
      ['operation', '21'],
    ]);
    expect(response.events()[0].data).toMatchObject({ after: 4, oldestKept: 20 });

    // the whole history asked for, but the store dropped the oldest: said too
    const fromStart = new RecordedResponse();
    const full = new FixedWatch([rev(20, OperationState.RUNNING), rev(21, OperationState.COMPLETED)], { stored: 2, limit: 2 });
    await new EventsService(full as unknown as RecordWatch, config).streamOperation(
      ID,
      undefined,
      request,
      fromStart as unknown as Response,
    );
    expect(fromStart.events().map((e) => e.event)).toEqual(['gap', 'operation', 'operation']);

    // nothing missing: the store has not reached its limit for this record
    const whole = new RecordedResponse();
    const notFull = new FixedWatch([rev(20, OperationState.RUNNING), rev(21, OperationState.COMPLETED)], { stored: 2, limit: 64 });
    await new EventsService(notFull as unknown as RecordWatch, config).streamOperation(ID, 4, request, whole as unknown as Response);
    expect(whole.events().map((e) => e.event)).toEqual(['operation', 'operation']);
  });

  it('answers 204 to a client that has the final revision, 404 for an unknown id, 503 past the cap', async () => {
    const done = new FixedWatch([rev(9, OperationState.COMPLETED)]);
    const response = new RecordedResponse();
    const service = new EventsService(done as unknown as RecordWatch, config);
    await service.streamOperation(ID, 9, request, response as unknown as Response);
    expect(response.statusCode).toBe(204);
    expect(response.written).toBe('');

    await expect(
      new EventsService(new FixedWatch([]) as unknown as RecordWatch, config).streamOperation(
        ID,
        undefined,
        request,
        new RecordedResponse() as unknown as Response,
      ),
    ).rejects.toMatchObject({ status: 404 });

    // one slot: a stream that never ends holds it, the next is refused
    const endless = {
      current: () => Promise.resolve(rev(1, OperationState.RUNNING)),
      ofRecord: () => Promise.resolve({ revisions: (async function* () {})(), stop: () => undefined }),
    };
    const capped = new EventsService(
      {
        ...endless,
        ofRecord: () =>
          Promise.resolve({
            revisions: { [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) },
            stop: () => undefined,
          }),
      } as unknown as RecordWatch,
      config,
    );
    const holding = new RecordedResponse();
    void capped.streamOperation(ID, undefined, request, holding as unknown as Response);
    await new Promise((resolve) => setImmediate(resolve));
    const refused = new RecordedResponse();
    await expect(capped.streamOperation(ID, undefined, request, refused as unknown as Response)).rejects.toMatchObject({ status: 503 });
    expect(refused.headers['retry-after']).toBe('5');
    capped.beforeApplicationShutdown();
    expect(holding.ended).toBe(true);
  });
});
