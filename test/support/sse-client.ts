/**
 * A Server-Sent Events reader for tests: opens a stream with fetch, parses it with the CLI's own parser
 * (apps/cli/src/sse-parser.ts) and hands over events and comments one at a time. No EventSource: a test decides
 * itself when to disconnect and with which Last-Event-ID to come back.
 */
import { ServerEvent, SseParser } from '../../apps/cli/src/sse-parser';

export type SseEvent = ServerEvent;
export type SseFrame = SseEvent | { comment: string };

export class SseConnection {
  private readonly decoder = new TextDecoder();
  private readonly frames: SseFrame[] = [];
  private readonly parser = new SseParser(undefined, (comment) => this.frames.push({ comment }));
  private ended = false;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
    private readonly controller: AbortController,
    readonly errorBody?: unknown,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      return new SseConnection(response.status, response.headers, undefined, controller, body);
    }
    return new SseConnection(response.status, response.headers, response.body.getReader(), controller);
  }

  /** The next frame (an event, or a comment: those of one chunk come before its events); undefined once the stream ended. */
  async next(timeoutMs = 60_000): Promise<SseFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.ended) {
      if (!this.reader) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left);
      });
      try {
        const chunk = await Promise.race([this.reader.read(), timeout]);
        if (chunk.done) this.ended = true;
        else for (const event of this.parser.push(this.decoder.decode(chunk.value, { stream: true }))) this.frames.push(event);
      } finally {
        clearTimeout(timer);
      }
    }
    return this.frames.shift();
  }

  /** The next event, skipping comments. */
  async nextEvent(timeoutMs = 60_000): Promise<SseEvent | undefined> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame === undefined || !('comment' in frame)) return frame;
    }
  }

  close(): void {
    this.controller.abort();
  }
}
