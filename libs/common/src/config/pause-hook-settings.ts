import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { IsOptional, IsString } from 'class-validator';
import { ConfigSection, Option } from './option';
import { ConfigError } from './read-options';

const HOOK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DEFAULT_HOOK_TIMEOUT_MS = 10_000;
const MAX_HOOK_TIMEOUT_MS = 10 * 60_000;
const MAX_HOOKS = 64;

/**
 * A hook's bearer token: shown as `[redacted]` however it is printed or serialised, so that logging a hook, an
 * error holding one, or a record can never leak it. Only the HTTP adapter asks for the value.
 */
export class HookToken {
  constructor(private readonly value: string) {}
  reveal(): string {
    return this.value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

/** One application pause hook, as the configuration defines it (requests name it, nothing more). */
export interface PauseHookDefinition {
  name: string;
  pauseUrl: string;
  resumeUrl: string;
  /** file holding the bearer token sent with both calls; none: no Authorization header */
  tokenFile?: string;
  /** one call's timeout (each of the bounded attempts) */
  timeoutMs: number;
}

/** A hook with its token read (coordinators only). */
export interface PauseHook extends PauseHookDefinition {
  token?: HookToken;
}

/**
 * Validates the hooks file's content (JSON `[{name, pauseUrl, resumeUrl, tokenFile?, timeoutMs?}]`); every
 * problem names the entry and field, never a token (the file holds only paths to them).
 */
export function parsePauseHooks(text: string): PauseHookDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(raw)) throw new Error('must be a JSON array of hooks');
  if (raw.length > MAX_HOOKS) throw new Error(`holds ${raw.length} hooks; at most ${MAX_HOOKS}`);
  const problems: string[] = [];
  const hooks: PauseHookDefinition[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, i) => {
    const at = `[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return problems.push(`${at}: must be an object`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!['name', 'pauseUrl', 'resumeUrl', 'tokenFile', 'timeoutMs'].includes(key)) problems.push(`${at}.${key}: unknown field`);
    }
    const name = e.name;
    if (typeof name !== 'string' || !HOOK_NAME.test(name)) problems.push(`${at}.name: letters, digits and _ . - (1-64)`);
    else if (seen.has(name)) problems.push(`${at}.name: ${name} is defined twice`);
    else seen.add(name);
    for (const field of ['pauseUrl', 'resumeUrl'] as const) {
      const problem = httpUrlProblem(e[field]);
      if (problem) problems.push(`${at}.${field}: ${problem}`);
    }
    if (e.tokenFile !== undefined && (typeof e.tokenFile !== 'string' || e.tokenFile === '')) problems.push(`${at}.tokenFile: a file path`);
    const timeout = e.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 100 || timeout > MAX_HOOK_TIMEOUT_MS) {
      problems.push(`${at}.timeoutMs: a whole number of milliseconds from 100 to ${MAX_HOOK_TIMEOUT_MS}`);
    }
    hooks.push({
      name: String(name),
      pauseUrl: String(e.pauseUrl),
      resumeUrl: String(e.resumeUrl),
      ...(typeof e.tokenFile === 'string' ? { tokenFile: e.tokenFile } : {}),
      timeoutMs: Number(timeout),
    });
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return hooks;
}

function httpUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'an http or https URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'an http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `an http or https URL, not ${url.protocol}`;
  // credentials in a URL would show wherever the URL is logged: the token file is the place for them
  if (url.username || url.password) return 'must not hold credentials (use tokenFile)';
  return undefined;
}

/**
 * The application pause hooks a consistent backup may name (`consistency.pauseHooks`): gateways read the names
 * (to refuse an unknown one with a 400), coordinators also read the tokens and call them.
 */
@ConfigSection({ title: 'Pause hooks', note: 'gateway (names only) and coordinators; the same file for both' })
export class PauseHookSettings {
  @Option({
    flag: 'pause-hooks-file',
    description:
      'JSON file of the application pause hooks consistent backups may name: [{name, pauseUrl, resumeUrl, tokenFile, timeoutMs}] (http/https; the token is read from tokenFile, never from a request)',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly hooksFile?: string;

  /** The hooks defined (none without a file); a bad file is a ConfigError naming the entry and field. */
  definitions(): PauseHookDefinition[] {
    if (this.hooksFile === undefined) return [];
    const source = `--pause-hooks-file ${this.hooksFile}`;
    let text: string;
    try {
      text = readFileSync(this.hooksFile, 'utf8');
    } catch (error) {
      throw new ConfigError([`${source} cannot be read: ${error instanceof Error ? error.message : String(error)}`]);
    }
    try {
      return parsePauseHooks(text);
    } catch (error) {
      throw new ConfigError([`${source}: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }

  /** The hooks with their tokens, read now (start-up): an unreadable or empty token file is a ConfigError. */
  hooks(): PauseHook[] {
    return this.definitions().map((hook, i) => {
      if (hook.tokenFile === undefined) return hook;
      let token: string;
      try {
        token = readFileSync(hook.tokenFile, 'utf8').trim();
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new ConfigError([`--pause-hooks-file ${this.hooksFile ?? ''}: [${i}].tokenFile ${hook.tokenFile} cannot be read: ${why}`]);
      }
      if (token === '' || /[\r\n]/.test(token)) {
        throw new ConfigError([
          `--pause-hooks-file ${this.hooksFile ?? ''}: [${i}].tokenFile ${hook.tokenFile} must hold one token on one line`,
        ]);
      }
      return { ...hook, token: new HookToken(token) };
    });
  }
}
