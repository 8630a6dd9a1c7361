/**
 * A Server-Sent Events reader for tests: opens a stream with fetch, parses frames as the SSE spec says (`id`,
 * `event`, `data` lines, comments) and hands them over one at a time. No EventSource: a test decides itself
 * when to disconnect and with which Last-Event-ID to come back.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export type SseFrame = SseEvent | { comment: string };

export class SseConnection {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly frames: SseFrame[] = [];
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

  /** The next frame (event or comment); undefined once the server ended the stream. Fails after `timeoutMs`. */
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
        else this.take(this.decoder.decode(chunk.value, { stream: true }));
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

  private take(text: string): void {
    this.buffer += text.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parse(block);
    }
  }

  private parse(block: string): void {
    const event: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.frames.push({ comment: line.slice(1).trim() });
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') event.id = value;
      else if (name === 'event') event.event = value;
      else if (name === 'data') data.push(value);
      else continue; // retry and unknown fields
      fields += 1;
    }
    if (fields === 0) return;
    event.data = data.join('\n');
    this.frames.push(event);
  }
}
