/**
 * Icarus' `--jmx-credentials` file: a Java properties file with `username=` and `password=`. We read the
 * subset of the properties format such files use in practice (comments, `=`/`:`/space separators, escapes,
 * continued lines). Errors name the file and the key, never a value.
 */
import { open } from 'node:fs/promises';

export interface JmxCredentials {
  username: string;
  password: string;
}

/** A credentials file is a few lines; anything larger is not one and is refused rather than read. */
const MAX_FILE_BYTES = 64 * 1024;

export async function loadJmxCredentialsFile(path: string): Promise<JmxCredentials> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > MAX_FILE_BYTES) throw new Error(`JMX credentials file ${path} is larger than ${MAX_FILE_BYTES} bytes`);
    const text = await file.readFile({ encoding: 'utf8' });
    return parseJmxCredentials(text, path);
  } finally {
    await file.close();
  }
}

export function parseJmxCredentials(text: string, source = 'JMX credentials'): JmxCredentials {
  const properties = parseProperties(text);
  const username = properties.get('username');
  const password = properties.get('password');
  if (username === undefined || username === '') throw new Error(`${source}: missing 'username'`);
  if (password === undefined) throw new Error(`${source}: missing 'password'`);
  return { username, password };
}

/** Java properties: later keys win, as in java.util.Properties. */
export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const { key, value } = splitKeyValue(line);
    result.set(unescape(key), unescape(value));
  }
  return result;
}

function* logicalLines(text: string): Generator<string> {
  let current = '';
  let continuing = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    // Leading whitespace never counts, also on a continued line.
    const line = raw.replace(/^[ \t\f]+/, '');
    if (!continuing && (line === '' || line.startsWith('#') || line.startsWith('!'))) continue;
    const trailingBackslashes = /\\*$/.exec(line)?.[0].length ?? 0;
    if (trailingBackslashes % 2 === 1) {
      current += line.slice(0, -1);
      continuing = true;
      continue;
    }
    yield current + line;
    current = '';
    continuing = false;
  }
  if (continuing && current !== '') yield current;
}

function splitKeyValue(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    i++;
  }
  const key = line.slice(0, Math.min(i, line.length));
  let rest = line.slice(i).replace(/^[ \t\f]+/, '');
  if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]+/, '');
  return { key, value: rest };
}

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escape: string) => {
    if (escape.length === 5) return String.fromCharCode(parseInt(escape.slice(1), 16));
    switch (escape) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return escape;
    }
  });
}
