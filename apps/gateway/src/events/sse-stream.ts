import type { Request, Response } from 'express';

/** A client that reads slower than this much is waiting in the socket's buffer is cut off (it may resume). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * One Server-Sent Events response: frames written as the spec has them (`id`, `event`, `data` lines, a blank
 * line), a comment line every heartbeat so proxies keep an idle stream open, and a bound on what may wait
 * for a slow reader. `closed` settles when either side ends the stream.
 */
export class SseStream {
  private ended = false;
  private readonly heartbeat: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(
    request: Request,
    private readonly response: Response,
    heartbeatMs: number,
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

  /** One event. `data` is JSON on one line (JSON.stringify escapes line breaks). */
  send(event: string, data: unknown, id?: number): void {
    const lines = [...(id !== undefined ? [`id: ${id}`] : []), `event: ${event}`, `data: ${JSON.stringify(data)}`];
    this.write(`${lines.join('\n')}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.finish();
    this.response.end();
  }

  private write(frame: string): void {
    if (this.ended) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      // the client does not keep up: end rather than buffer without bound; it resumes with Last-Event-ID
      this.end();
      return;
    }
    this.response.write(frame);
  }

  private finish(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }
}
