import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from './config-reader';
import { ConfigError, readOptions } from './read-options';
import { parseSecretKeys, RequestSecretsSettings } from './request-secrets-settings';

const settings = (argv: string[], env: NodeJS.ProcessEnv = {}) => readOptions(new RequestSecretsSettings(), new ConfigReader(argv, env));

function problemOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    if (error instanceof Error) return `not a ConfigError: ${error.message}`;
  }
  return 'no problem';
}

describe('request secrets keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const first = randomBytes(32);
  const second = randomBytes(32);

  it('reads base64 and hex keys, one a line, skipping blanks and comments; the first seals', () => {
    const keys = parseSecretKeys(`# current\n${first.toString('base64')}\n\n${second.toString('hex')}\r\n`);
    expect(keys).toEqual([first, second]);
    expect(parseSecretKeys(first.toString('base64url'))).toEqual([first]);
  });

  it('names the line of a key that is not 32 bytes, never its content', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseSecretKeys(`${first.toString('base64')}\n${short}`)).toThrow(/^line 2 is not a 32-byte key/);
    try {
      parseSecretKeys(short);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => parseSecretKeys('# nothing here\n')).toThrow('it holds no key');
  });

  it('loads a key file, or the key from the environment; none configured is no key', () => {
    const file = join(dir, 'keys');
    writeFileSync(file, `${first.toString('base64')}\n`);
    expect(settings(['--request-secrets-key-file', file]).keys()).toEqual([first]);
    expect(settings([], { DAEDALUS_REQUEST_SECRETS_KEY_FILE: file }).keys()).toEqual([first]);
    expect(settings([], { DAEDALUS_REQUEST_SECRETS_KEY: second.toString('base64') }).keys()).toEqual([second]);
    expect(settings([]).keys()).toBeUndefined();
  });

  it('a file that is missing or holds no key, or both sources at once, is a ConfigError naming the setting', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'not-a-key-at-all\n');
    expect(problemOf(() => settings(['--request-secrets-key-file', bad]).keys())).toBe(
      `--request-secrets-key-file ${bad}: line 1 is not a 32-byte key (base64, or 64 hex digits)`,
    );
    expect(problemOf(() => settings(['--request-secrets-key-file', join(dir, 'missing')]).keys())).toMatch(
      /^--request-secrets-key-file .*ENOENT/,
    );
    const secret = randomBytes(8).toString('hex');
    const fromEnv = problemOf(() => settings([], { DAEDALUS_REQUEST_SECRETS_KEY: secret }).keys());
    expect(fromEnv).toMatch(/^DAEDALUS_REQUEST_SECRETS_KEY: line 1 is not a 32-byte key/);
    expect(fromEnv).not.toContain(secret);
    expect(
      problemOf(() => settings(['--request-secrets-key-file', bad], { DAEDALUS_REQUEST_SECRETS_KEY: first.toString('base64') }).keys()),
    ).toMatch(/set one or the other/);
  });
});
