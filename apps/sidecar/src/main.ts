/**
 * `daedalus sidecar`: the node agent and the gateway of one Cassandra node in one container, the gateway's
 * local node being that agent's node (see sidecar-args.ts for the command line, supervisor.ts for why two
 * processes).
 */
import { join } from 'node:path';
import { createServiceLogger, LOG_FORMATS, LOG_LEVELS } from '@daedalus/common';
import { SIDECAR_USAGE, splitSidecarArgs, withLocalNode } from './sidecar-args';
import { SidecarSupervisor } from './supervisor';

/**
 * The sidecar's own lines, in the format and at the level of its two halves: it has no flags of its own, so
 * DAEDALUS_LOG_LEVEL / DAEDALUS_LOG_FORMAT (which both halves read too) set them; a wrong value is the halves'
 * to refuse, naming it.
 */
const logger = createServiceLogger({
  service: 'sidecar',
  level: oneOf(LOG_LEVELS, process.env.DAEDALUS_LOG_LEVEL, 'info'),
  format: oneOf(LOG_FORMATS, process.env.DAEDALUS_LOG_FORMAT, 'auto'),
});

function oneOf<T extends string>(values: readonly T[], given: string | undefined, otherwise: T): T {
  return values.find((value) => value === given) ?? otherwise;
}

function log(line: string): void {
  logger.info(line);
}

async function main(): Promise<void> {
  const args = splitSidecarArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(SIDECAR_USAGE);
    return;
  }
  // dist/apps/sidecar/src → dist
  const supervisor = new SidecarSupervisor(join(__dirname, '..', '..', '..'), log, (code) => process.exit(code));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => supervisor.shutdown(signal));
  const hostId = await supervisor.startAgent(args.agent);
  if (hostId === undefined) return; // the agent ended before finding its node: the supervisor exits non-zero
  log(`sidecar: the agent serves node ${hostId}; starting the gateway with it as the local node`);
  supervisor.startGateway(withLocalNode(args.gateway, hostId));
}

main().catch((error: unknown) => {
  logger.error(`sidecar: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
