import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('assembles events from chunks split anywhere, dropping comments and retry', () => {
    const parser = new SseParser();
    const text =
      'retry: 3000\n\n: heartbeat\n\nid: 7\nevent: operation\ndata: {"a":1}\n\nid: 9\r\nevent: gap\r\ndata: x\r\ndata: y\r\n\r\n';
    const events = [];
    for (let i = 0; i < text.length; i += 5) events.push(...parser.push(text.slice(i, i + 5)));
    expect(events).toEqual([
      { id: '7', event: 'operation', data: '{"a":1}' },
      { id: '9', event: 'gap', data: 'x\ny' },
    ]);
  });

  it('hands comments (heartbeats) to whoever asked', () => {
    const comments: string[] = [];
    const parser = new SseParser(undefined, (text) => comments.push(text));
    expect(parser.push(': heartbeat\n\nevent: x\ndata: 1\n\n')).toEqual([{ event: 'x', data: '1' }]);
    expect(comments).toEqual(['heartbeat']);
  });

  it('refuses a frame larger than its bound instead of buffering without end', () => {
    const parser = new SseParser(100);
    expect(() => parser.push(`data: ${'x'.repeat(200)}`)).toThrow(/larger than 100 characters/);
  });
});
