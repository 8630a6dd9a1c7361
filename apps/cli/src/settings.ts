import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit-codes';

/** Where the CLI finds the gateway and how it proves who it is. */
export interface Settings {
  gateway: string;
  /** the bearer token (an API token or a JWT); never printed */
  token?: string;
  /** where the gateway came from, for error messages ("--gateway", "DAEDALUS_GATEWAY", the config file, "default") */
  gatewaySource: string;
  tokenSource?: string;
}

export const DEFAULT_GATEWAY = 'http://127.0.0.1:4567';
const CONFIG_KEYS = ['gateway', 'token'] as const;

/** What each source gives; any may be missing. */
export interface SettingSources {
  flags: { gateway?: string; token?: string; config?: string };
  env: NodeJS.ProcessEnv;
  /** reads a file; undefined when it does not exist (any other failure throws) */
  readFile: (path: string) => string | undefined;
  home?: string;
}

/** `$XDG_CONFIG_HOME/daedalus/config.json`, else `~/.config/daedalus/config.json`. */
export function defaultConfigPath(env: NodeJS.ProcessEnv, home = homedir()): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'daedalus', 'config.json');
}

/**
 * The gateway URL and token, each from the first source that has it: the flags (`--gateway`, `--token`), then
 * the environment (`DAEDALUS_GATEWAY`, `DAEDALUS_TOKEN`), then the config file (`--config`, else
 * `DAEDALUS_CONFIG`, else the default path; only the file named explicitly must exist). A config file is JSON
 * `{"gateway": "...", "token": "..."}`; anything else in it is refused naming the key, so a typo is not ignored.
 */
export function resolveSettings(sources: SettingSources): Settings {
  const { flags, env } = sources;
  const explicit = flags.config ?? (env.DAEDALUS_CONFIG || undefined);
  const configFlag = flags.config !== undefined ? '--config' : 'DAEDALUS_CONFIG';
  const path = explicit ?? defaultConfigPath(env, sources.home);
  const text = sources.readFile(path);
  if (text === undefined && explicit !== undefined) throw new UsageError(`${configFlag}: ${path} does not exist`);
  const file = text === undefined ? {} : parseConfig(text, path);

  const pick = (flag: string | undefined, envName: string, key: (typeof CONFIG_KEYS)[number], flagName: string) => {
    if (flag !== undefined && flag !== '') return { value: flag, source: flagName };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: envName };
    if (file[key] !== undefined) return { value: file[key], source: `${key} in ${path}` };
    return undefined;
  };
  const gateway = pick(flags.gateway, 'DAEDALUS_GATEWAY', 'gateway', '--gateway') ?? { value: DEFAULT_GATEWAY, source: 'default' };
  const token = pick(flags.token, 'DAEDALUS_TOKEN', 'token', '--token');
  return {
    gateway: gatewayUrl(gateway.value, gateway.source),
    gatewaySource: gateway.source,
    ...(token ? { token: token.value, tokenSource: token.source } : {}),
  };
}

function parseConfig(text: string, path: string): Partial<Record<(typeof CONFIG_KEYS)[number], string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${path} must hold a JSON object`);
  const out: Partial<Record<(typeof CONFIG_KEYS)[number], string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`${path}: "${key.slice(0, 64)}" is not a setting (known: ${CONFIG_KEYS.join(', ')})`);
    }
    if (typeof value !== 'string') throw new UsageError(`${path}: ${key} must be a string`);
    out[key as (typeof CONFIG_KEYS)[number]] = value;
  }
  return out;
}

/** An http(s) URL without a trailing slash; anything else is refused naming where it came from. */
function gatewayUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source}: "${value.slice(0, 200)}" is not a URL (e.g. https://gateway:4567)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source}: the gateway URL must be http or https`);
  if (url.username || url.password) throw new UsageError(`${source}: put credentials in --token, not in the URL`);
  return url.toString().replace(/\/+$/, '');
}
