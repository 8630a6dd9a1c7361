#!/usr/bin/env node
import 'reflect-metadata';
import { esopCommand } from './esop-command';

/**
 * `daedalus-esop …`: the Esop-style local mode on its own (the `daedalus` CLI mounts the same command as
 * `daedalus esop …`). The exit status says whether the operation completed (see esop-command.ts).
 */
async function main(): Promise<void> {
  const program = esopCommand().name('daedalus-esop');
  program.exitOverride((error) => {
    // commander's own usage errors exit with the usage status; --help and --version with 0
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  await program.parseAsync(process.argv);
}

void main();
