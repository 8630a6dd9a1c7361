import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { SseStream } from './sse-stream';

/** A socket that takes `room` writes, then says it is full until `drain()`. */
class SlowResponse extends EventEmitter {
  written: string[] = [];
  writableNeedDrain = false;
  ended = false;
  constructor(private room: number) {
    super();
  }
  status(): this {
    return this;
  }
  setHeader(): void {}
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.room -= 1;
    this.writableNeedDrain = this.room < 0;
    return !this.writableNeedDrain;
  }
  drain(): void {
    this.room = 0;
    this.writableNeedDrain = false;
    this.emit('drain');
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }
}

const request = { socket: { setNoDelay: () => undefined } } as unknown as Request;

const afterTimers: Array<() => void> = [];
afterEach(() => afterTimers.splice(0).forEach((stop) => stop()));

describe('SseStream', () => {
  it('waits for the socket to take an event before the next, and cuts off a client that stops reading', async () => {
    const response = new SlowResponse(1); // the retry line, then full
    const sse = new SseStream(request, response as unknown as Response, 60_000, 50);
    afterTimers.push(() => sse.end());
    let sent = false;
    const first = sse.send('operation', { n: 1 }, 1).then(() => (sent = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toBe(false);
    response.drain();
    await first;
    expect(response.written.at(-1)).toBe('id: 1\nevent: operation\ndata: {"n":1}\n\n');

    // full again, and nobody reads: the stream ends after the drain timeout
    await sse.send('operation', { n: 2 }, 2);
    expect(response.ended).toBe(true);
    expect(sse.isOpen).toBe(false);
    await sse.send('operation', { n: 3 }, 3);
    expect(response.written.filter((w) => w.startsWith('id: 3'))).toEqual([]);
  });
});
