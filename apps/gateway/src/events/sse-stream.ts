import type { Request, Response } from 'express';

/** An event waits this long at most for a client that stopped reading; then the stream ends (it may resume). */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * One Server-Sent Events response: frames written as the spec has them (`id`, `event`, `data` lines, a blank
 * line), a comment line every heartbeat so proxies keep an idle stream open. An event waits until the socket
 * takes it (backpressure, so the feed is read no faster than the client reads), at most DRAIN_TIMEOUT_MS.
 * `closed` settles when either side ends the stream.
 */
export class SseStream {
  private ended = false;
  private readonly heartbeat: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(
    request: Request,
    private readonly response: Response,
    heartbeatMs: number,
    private readonly drainTimeoutMs = DRAIN_TIMEOUT_MS,
  ) {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    // nginx and similar proxies buffer responses unless told not to
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);
    response.write(`retry: 3000\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref(); // the open connection keeps the server alive, never the timer
    this.closed = new Promise((resolve) => {
      response.on('close', () => {
        this.finish();
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /**
   * One event, resolved once the socket took it (or the stream ended: a client that reads nothing for
   * DRAIN_TIMEOUT_MS is cut off). `data` is JSON on one line (JSON.stringify escapes line breaks).
   */
  async send(event: string, data: unknown, id?: number): Promise<void> {
    if (this.ended) return;
    const lines = [...(id !== undefined ? [`id: ${id}`] : []), `event: ${event}`, `data: ${JSON.stringify(data)}`];
    if (this.response.write(`${lines.join('\n')}\n\n`)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        this.end();
      }, this.drainTimeoutMs);
      this.response.once('drain', done);
      this.response.once('close', done);
    });
  }

  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.finish();
    this.response.end();
  }

  /** A comment or heartbeat: a few bytes, written only while the socket keeps up (else skipped). */
  private write(frame: string): void {
    if (this.ended || this.response.writableNeedDrain) return;
    this.response.write(frame);
  }

  private finish(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }
}
