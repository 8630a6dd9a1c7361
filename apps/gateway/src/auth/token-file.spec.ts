import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findToken, hashToken, newToken, parseTokenFile } from './token-file';
import { ReloadingFile } from './reloading-file';

describe('the API tokens file', () => {
  it('parses entries, comments and blank lines', () => {
    const a = newToken('ci-bot', 'operator');
    const b = newToken('alice@example.org', 'admin');
    const entries = parseTokenFile(`# who may call\n\n${a.line}   # the CI\n${b.line}\n`);
    expect(entries.map((e) => [e.name, e.role])).toEqual([
      ['ci-bot', 'operator'],
      ['alice@example.org', 'admin'],
    ]);
    expect(findToken(entries, a.token)?.name).toBe('ci-bot');
    expect(findToken(entries, b.token)?.name).toBe('alice@example.org');
    expect(findToken(entries, `${a.token}x`)).toBeUndefined();
    expect(findToken(entries, '')).toBeUndefined();
  });

  it('makes 256-bit tokens and stores only their hash', () => {
    const { token, line } = newToken('ci-bot', 'viewer');
    expect(token).toMatch(/^dae_[A-Za-z0-9_-]{43}$/);
    expect(line).toBe(`ci-bot viewer sha256:${hashToken(token).toString('hex')}`);
    expect(line).not.toContain(token.slice(4));
    expect(newToken('x', 'viewer').token).not.toBe(newToken('x', 'viewer').token);
  });

  it('refuses a bad file naming each line and what is wrong, never quoting it', () => {
    const pasted = 'dae_this-is-the-token-itself-pasted-by-mistake';
    const text = [
      'ci-bot operator',
      `bot admin ${pasted}`,
      'x boss sha256:' + '0'.repeat(64),
      'bad/name viewer sha256:' + '1'.repeat(64),
    ].join('\n');
    let message = '';
    try {
      parseTokenFile(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('line 1: needs 3 fields');
    expect(message).toContain("line 2: the third field must be sha256:<64 hex digits> (the token's hash, never the token)");
    expect(message).toContain('line 3: the role must be one of viewer, operator, admin');
    expect(message).toContain('line 4: the name must be 1 to 64 letters');
    expect(message).not.toContain(pasted);
    const line = newToken('twice', 'viewer').line;
    expect(() => parseTokenFile(`${line}\n${line}`)).toThrow('line 2: the name twice is used twice');
  });
});

describe('ReloadingFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tokens-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('re-reads the file when it changed, at most once per interval, and fails closed when it breaks', async () => {
    const path = join(dir, 'tokens');
    const first = newToken('first', 'viewer');
    const second = newToken('second', 'admin');
    writeFileSync(path, `${first.line}\n`);
    let now = 1_000;
    const changes: boolean[] = [];
    const file = new ReloadingFile(
      path,
      parseTokenFile,
      (loaded) => changes.push(loaded.ok),
      1_000,
      () => now,
    );
    const names = async () => {
      const loaded = await file.current();
      return loaded.ok ? loaded.value.map((e) => e.name) : loaded.reason;
    };
    expect(await names()).toEqual(['first']);

    writeFileSync(path, `${second.line}\n`);
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    now += 500;
    expect(await names()).toEqual(['first']); // not looked at yet: within the interval
    now += 500;
    expect(await names()).toEqual(['second']);

    writeFileSync(path, 'second admin dae_oops\n');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    now += 1_000;
    expect(await names()).toMatch(/tokens is invalid: line 1: the third field/);

    unlinkSync(path);
    now += 1_000;
    expect(await names()).toMatch(/tokens cannot be read/);
    expect(changes).toEqual([true, false, false]);
  });

  it('refuses at startup a file it cannot read or parse', () => {
    expect(() => new ReloadingFile(join(dir, 'none'), parseTokenFile)).toThrow(/ENOENT/);
    writeFileSync(join(dir, 'bad'), 'only-one-field\n');
    expect(() => new ReloadingFile(join(dir, 'bad'), parseTokenFile)).toThrow(/line 1/);
  });
});
