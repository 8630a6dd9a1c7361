import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJmxCredentialsFile, parseJmxCredentials, parseProperties } from './credentials-file';

describe('JMX credentials file', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'daedalus-jmx-creds-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads username and password from an Icarus-style properties file', async () => {
    const path = join(dir, 'jmx.properties');
    writeFileSync(path, '# Icarus --jmx-credentials\nusername=cassandra\npassword=s3cr=t:x\n');
    await expect(loadJmxCredentialsFile(path)).resolves.toEqual({ username: 'cassandra', password: 's3cr=t:x' });
  });

  it('follows the properties format: separators, spacing, comments, escapes, continuations, last key wins', () => {
    const text = [
      '! a comment',
      '   # indented comment',
      '',
      'a = 1',
      'b:2',
      'c 3',
      'd\t=\t  four  ',
      'e=\\u0041\\tB\\\\',
      'f=one \\',
      '   two',
      'key\\ with\\ space=v',
      'a=again',
      'empty=',
    ].join('\r\n');
    expect(Object.fromEntries(parseProperties(text))).toEqual({
      a: 'again',
      b: '2',
      c: '3',
      d: 'four  ',
      e: 'A\tB\\',
      f: 'one two',
      'key with space': 'v',
      empty: '',
    });
  });

  it('names the missing key without echoing any value', () => {
    expect(() => parseJmxCredentials('password=hunter2', 'f.properties')).toThrow("f.properties: missing 'username'");
    expect(() => parseJmxCredentials('username=u', 'f.properties')).toThrow("f.properties: missing 'password'");
    let message = '';
    try {
      parseJmxCredentials('username=\npassword=hunter2', 'f');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe("f: missing 'username'");
    expect(parseJmxCredentials('username=u\npassword=', 'f')).toEqual({ username: 'u', password: '' });
  });

  it('refuses a file that is too large to be a credentials file, and a missing file', async () => {
    const big = join(dir, 'big.properties');
    writeFileSync(big, `username=u\npassword=p\n${'#'.repeat(70_000)}\n`);
    await expect(loadJmxCredentialsFile(big)).rejects.toThrow('larger than');
    await expect(loadJmxCredentialsFile(join(dir, 'missing'))).rejects.toThrow('ENOENT');
  });
});
