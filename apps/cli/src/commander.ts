/**
 * commander 15 is an ES module; this project compiles to CommonJS. Node 24 loads an ES module with `require`
 * (no top-level await in it), so the CLI takes commander through this one adapter, its types imported as the
 * ES module they are.
 */
import type * as Commander from 'commander' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const commander = require('commander') as typeof Commander;

export const { Command, Option, InvalidArgumentError, CommanderError } = commander;
export type Command = Commander.Command;
export type Option = Commander.Option;
