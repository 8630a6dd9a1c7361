#!/usr/bin/env node
import 'reflect-metadata';
import { flagNamerOf } from './cli-context';
import { clusterProgram } from './cluster-program';
import { Command, CommanderError } from './commander';
import { esopCommand } from './esop/esop-command';
import { EXIT_GATEWAY, EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes';
import { GatewayError, GatewayUnreachable } from './gateway-client';

/** commander's usage errors (unknown flag, missing value, bad choice) exit EXIT_USAGE; --help and --version 0. */
function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  command.showHelpAfterError('(add --help for usage)');
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}

/** The reason on stderr, each field the gateway named with the flag that sets it; the token never appears. */
function report(error: unknown, active: Command | undefined): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError) {
    process.stderr.write(`daedalus: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof GatewayError) {
    process.stderr.write(`daedalus: ${error.message}\n`);
    const flagOf = flagNamerOf(active);
    for (const field of error.body?.errors ?? []) {
      const flag = flagOf?.(field.field);
      process.stderr.write(`  ${field.field}${flag ? ` (${flag})` : ''}: ${field.message}\n`);
    }
    if (error.status === 401) process.stderr.write('  give a token: --token, DAEDALUS_TOKEN or "token" in the config file\n');
    return EXIT_GATEWAY;
  }
  if (error instanceof GatewayUnreachable) {
    process.stderr.write(`daedalus: ${error.message}\n`);
    return EXIT_GATEWAY;
  }
  process.stderr.write(`daedalus: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_GATEWAY;
}

async function main(): Promise<void> {
  const program = clusterProgram();
  program.addCommand(esopCommand());
  exitOverrideEverywhere(program);
  let active: Command | undefined;
  program.hook('preAction', (_root, actionCommand) => {
    active = actionCommand;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = report(error, active);
  }
}

void main();
