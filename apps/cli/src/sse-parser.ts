/** One Server-Sent Event, as the SSE spec assembles it from `id`, `event` and `data` lines. */
export interface ServerEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Turns the text of an event stream, in chunks as they arrive, into events (comments and `retry` are dropped).
 * A partial frame waits for the rest; a frame larger than `maxFrameChars` is an error rather than memory
 * that grows without bound.
 */
export class SseParser {
  private buffer = '';
  /** a chunk's last `\r`, which may be the first half of a `\r\n` line end */
  private carry = '';

  constructor(
    private readonly maxFrameChars = 16 * 1024 * 1024,
    /** each comment line's text (a heartbeat: `: heartbeat`), for whoever wants to see them */
    private readonly onComment?: (text: string) => void,
  ) {}

  push(text: string): ServerEvent[] {
    let incoming = this.carry + text;
    this.carry = incoming.endsWith('\r') ? '\r' : '';
    if (this.carry) incoming = incoming.slice(0, -1);
    this.buffer += incoming.replace(/\r\n?/g, '\n');
    const events: ServerEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const event = parseFrame(this.buffer.slice(0, end), this.onComment);
      this.buffer = this.buffer.slice(end + 2);
      if (event) events.push(event);
    }
    if (this.buffer.length > this.maxFrameChars) throw new Error(`an event of the stream is larger than ${this.maxFrameChars} characters`);
    return events;
  }
}

function parseFrame(frame: string, onComment?: (text: string) => void): ServerEvent | undefined {
  const event: ServerEvent = { event: 'message', data: '' };
  const data: string[] = [];
  let fields = 0;
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) onComment?.(line.slice(1).trim());
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'id') event.id = value;
    else if (name === 'event') event.event = value;
    else if (name === 'data') data.push(value);
    else continue;
    fields += 1;
  }
  if (fields === 0) return undefined;
  event.data = data.join('\n');
  return event;
}
