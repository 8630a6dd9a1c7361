import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigReader } from '@daedalus/common';
import { CoordinatorConfig } from './coordinator-config';

describe('CoordinatorConfig: pause hooks (--pause-hooks-file)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hooks-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withHooks = (content: unknown, extra: string[] = []) => {
    const file = join(dir, `hooks-${Math.random()}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return new CoordinatorConfig(new ConfigReader(['--pause-hooks-file', file, ...extra], {}));
  };
  const problem = (content: unknown): string => {
    try {
      withHooks(content);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('\n');
      throw error;
    }
    throw new Error('accepted');
  };
  const hook = (fields: Record<string, unknown> = {}) => ({
    name: 'app',
    pauseUrl: 'https://app/pause',
    resumeUrl: 'http://app/resume',
    ...fields,
  });

  it('none by default; a window of at most 5 minutes', () => {
    const config = new CoordinatorConfig(new ConfigReader([], {}));
    expect(config.pauseHooks).toEqual([]);
    expect(config.maxPauseWindowMs).toBe(300_000);
  });

  it('reads each hook, its token from its file, and a default timeout', () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'tok-123\n');
    const config = withHooks([hook({ tokenFile }), hook({ name: 'cache', timeoutMs: 2_000 })], ['--max-pause-window-ms', '60000']);
    expect(config.maxPauseWindowMs).toBe(60_000);
    expect(config.pauseHooks.map(({ token, ...h }) => ({ ...h, token: token?.reveal() }))).toEqual([
      { name: 'app', pauseUrl: 'https://app/pause', resumeUrl: 'http://app/resume', tokenFile, timeoutMs: 10_000, token: 'tok-123' },
      { name: 'cache', pauseUrl: 'https://app/pause', resumeUrl: 'http://app/resume', timeoutMs: 2_000, token: undefined },
    ]);
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['not an array', { name: 'app' }, /must be a JSON array/],
    ['a URL of another scheme', [hook({ pauseUrl: 'file:///etc/passwd' })], /\[0\]\.pauseUrl: an http or https URL, not file:/],
    ['credentials in a URL', [hook({ resumeUrl: 'https://u:p@app/resume' })], /\[0\]\.resumeUrl: must not hold credentials/],
    ['a bad name', [hook({ name: 'a b' })], /\[0\]\.name: letters, digits/],
    ['a name twice', [hook(), hook()], /\[1\]\.name: app is defined twice/],
    ['a timeout out of range', [hook({ timeoutMs: 5 })], /\[0\]\.timeoutMs: a whole number of milliseconds from 100/],
    ['an unknown field', [hook({ token: 'inline' })], /\[0\]\.token: unknown field/],
    [
      'a token file that cannot be read',
      [hook({ tokenFile: '/nonexistent/token' })],
      /\[0\]\.tokenFile \/nonexistent\/token cannot be read/,
    ],
  ])('refuses %s, naming the entry and field', (_what, content, expected) => {
    expect(problem(content)).toMatch(expected);
  });

  it('an empty token file is refused', () => {
    const tokenFile = join(dir, 'empty');
    writeFileSync(tokenFile, '\n');
    expect(problem([hook({ tokenFile })])).toMatch(/\[0\]\.tokenFile .* must hold one token on one line/);
  });

  it('a hooks file that cannot be read is refused, naming it', () => {
    expect(() => new CoordinatorConfig(new ConfigReader(['--pause-hooks-file', join(dir, 'missing.json')], {}))).toThrow(
      /--pause-hooks-file .*missing\.json cannot be read/,
    );
  });
});
