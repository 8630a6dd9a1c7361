import { Command } from '../commander';

/** The Esop-style local mode (`daedalus esop …`); its commands come with the local-mode work (issue #17). */
export function esopCommand(): Command {
  return new Command('esop').description('Esop-style local mode');
}
