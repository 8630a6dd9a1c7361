import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { HookToken, PauseHook } from '@daedalus/common';
import { clockAt } from '../operations/handler-fakes';
import { CoordinatorConfig } from '../coordinator-config';
import { HOOK_ATTEMPTS, PauseHookClient } from './pause-hooks';

const NOW = new Date('2026-01-01T00:00:00Z');

/** A hook endpoint whose answers the test scripts, recording what it was sent. */
class ScriptedHook {
  readonly requests: Array<{ url: string; authorization?: string; body: string }> = [];
  answers: Array<number | 'hang'> = [];
  private readonly hung: ServerResponse[] = [];
  private server?: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
    const answer = this.answers.shift() ?? 200;
    if (answer === 'hang') this.hung.push(res);
    else res.writeHead(answer).end('{}');
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('PauseHookClient', () => {
  const server = new ScriptedHook();
  const token = new HookToken('s3cret-token');
  let client: PauseHookClient;

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
    server.answers = [];
    const hook: PauseHook = { name: 'app', pauseUrl: `${server.base}/p?k=1`, resumeUrl: `${server.base}/r`, timeoutMs: 300, token };
    client = new PauseHookClient({ pauseHooks: [hook] } as unknown as CoordinatorConfig, clockAt(NOW));
  });

  it('posts to the pause URL with the bearer token and the operation id; any 2xx acknowledges', async () => {
    server.answers = [204];
    expect(await client.call('app', 'pause', 'op-1')).toEqual({ ok: true, at: NOW.toISOString() });
    expect(server.requests).toEqual([
      { url: '/p?k=1', authorization: 'Bearer s3cret-token', body: '{"operationId":"op-1","action":"pause"}' },
    ]);
  });

  it('retries a 5xx a bounded number of times, then says why, without the token or URL', async () => {
    server.answers = [503, 503, 503, 503, 503, 503];
    const outcome = await client.call('app', 'resume', 'op-1');
    expect(outcome).toEqual({ ok: false, error: 'resume hook app answered HTTP 503' });
    expect(server.requests).toHaveLength(HOOK_ATTEMPTS.resume);
    expect(JSON.stringify(outcome)).not.toContain('s3cret');
  });

  it('a resume that fails once is tried again and succeeds', async () => {
    server.answers = [500, 200];
    expect(await client.call('app', 'resume', 'op-1')).toEqual({ ok: true, at: NOW.toISOString() });
    expect(server.requests.map((r) => r.url)).toEqual(['/r', '/r']);
  });

  it('a 4xx is final: not tried again', async () => {
    server.answers = [401];
    expect(await client.call('app', 'pause', 'op-1')).toEqual({ ok: false, error: 'pause hook app answered HTTP 401' });
    expect(server.requests).toHaveLength(1);
  });

  it('a hook that does not answer times out after its timeoutMs, each attempt', async () => {
    server.answers = ['hang', 'hang'];
    const started = Date.now();
    const outcome = await client.call('app', 'pause', 'op-1');
    expect(outcome).toEqual({ ok: false, error: 'pause hook app did not answer within 300 ms' });
    expect(server.requests).toHaveLength(HOOK_ATTEMPTS.pause);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('an unreachable hook fails with the reason; an unknown name is refused without a call', async () => {
    const hook: PauseHook = { name: 'gone', pauseUrl: 'http://127.0.0.1:1/p', resumeUrl: 'http://127.0.0.1:1/r', timeoutMs: 300 };
    const offline = new PauseHookClient({ pauseHooks: [hook] } as unknown as CoordinatorConfig, clockAt(NOW));
    const outcome = await offline.call('gone', 'pause', 'op-1');
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error).toMatch(/^pause hook gone could not be reached/);
    expect(await offline.call('other', 'pause', 'op-1')).toEqual({
      ok: false,
      error: 'pause hook other is not configured on this coordinator',
    });
  });

  it('the token never prints: logging a hook shows it redacted', () => {
    expect(inspect({ token })).not.toContain('s3cret');
    expect(JSON.stringify({ token })).toBe('{"token":"[redacted]"}');
    expect(`${String(token)}`).toBe('[redacted]');
  });
});
