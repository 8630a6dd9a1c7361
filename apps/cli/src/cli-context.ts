import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from './commander';
import { UsageError } from './exit-codes';
import { GatewayClient } from './gateway-client';
import { OutputFormat } from './output';
import { BarDisplay, LineDisplay, ProgressDisplay, SilentDisplay } from './progress-display';
import { resolveSettings } from './settings';

/** The root program's options, as every command sees them (`optsWithGlobals`). */
export interface GlobalOptions {
  gateway?: string;
  token?: string;
  config?: string;
  output: OutputFormat;
  httpTimeoutMs: number;
}

/** What a command needs from its surroundings; tests give their own. */
export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string | undefined;
  /** stderr is a terminal: progress bars rather than lines */
  interactive: boolean;
}

export function processEnvironment(): CliEnvironment {
  return {
    env: process.env,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new UsageError(`${path} cannot be read: ${(error as Error).message}`);
      }
    },
    interactive: process.stderr.isTTY === true,
  };
}

export const wholeNumber =
  (flag: string, min = 0) =>
  (text: string) => {
    if (!/^\d{1,15}$/.test(text) || Number(text) < min) throw new InvalidArgumentError(`${flag} takes a whole number of at least ${min}`);
    return Number(text);
  };
export const listOf = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).filter((v) => v.trim() !== '');

/** The settings, the client and the output format of one command run. */
export function contextOf(command: Command, environment: CliEnvironment) {
  const options = command.optsWithGlobals<GlobalOptions>();
  const settings = resolveSettings({
    flags: { gateway: options.gateway, token: options.token, config: options.config },
    env: environment.env,
    readFile: environment.readFile,
  });
  const client = new GatewayClient({ gateway: settings.gateway, token: settings.token, timeoutMs: options.httpTimeoutMs });
  const display: ProgressDisplay =
    options.output === 'json' ? new SilentDisplay() : environment.interactive ? new BarDisplay() : new LineDisplay();
  return { client, output: options.output, display };
}

/** How a command names the flag that set a field its gateway's 400 names (`storageLocation` → `--storage-location`). */
export type FlagNamer = (field: string) => string | undefined;
const FLAG_NAMERS = new WeakMap<Command, FlagNamer>();

export function setFlagNamer(command: Command, namer: FlagNamer): void {
  FLAG_NAMERS.set(command, namer);
}

/** The flag namer of the command that ran, if it sets request fields from flags. */
export function flagNamerOf(command: Command | undefined): FlagNamer | undefined {
  return command && FLAG_NAMERS.get(command);
}
