import { dirname, join, normalize } from 'node:path';
import { AgentRoots, NodeRegistration } from '@daedalus/contracts';

/** The root flags as configured (an empty list: the default derived from the node's directories). */
export interface ConfiguredRoots {
  fileStoreRoots: string[];
  importRoots: string[];
  stagingRoots: string[];
  configRoots: string[];
  /** absent in older callers: the default applies */
  commitLogRoots?: string[];
  cassandraConfigDir: string;
}

const clean = (dirs: string[]) => [...new Set(dirs.map((d) => normalize(d).replace(/(.)\/$/, '$1')))];

/**
 * The directories this agent lets requests reach, with the defaults filled in from the node's data
 * directories: imports from the data directories (snapshots, an operator's upload beside the tables) and the
 * agent's import area; restores download beside the first data directory (same filesystem, so HARDLINKS can
 * link); cassandra.yaml only in the directory the agent was started with. `file://` stores have no default:
 * an agent stores backups in no local directory it was not told to.
 */
export function agentRoots(configured: ConfiguredRoots, dataDirectories: string[]): AgentRoots {
  const besideData = dataDirectories.length > 0 ? dirname(dataDirectories[0]) : '/var/lib/cassandra';
  const staging = configured.stagingRoots.length > 0 ? configured.stagingRoots : [join(besideData, 'daedalus-restore')];
  return {
    fileStores: clean(configured.fileStoreRoots),
    import: clean(configured.importRoots.length > 0 ? configured.importRoots : [...dataDirectories, join(besideData, 'daedalus-import')]),
    staging: clean(staging),
    config: clean(configured.configRoots.length > 0 ? configured.configRoots : [configured.cassandraConfigDir]),
    // the directory holding the data directories holds the commit log and, by custom, its archive
    commitLog: clean(configured.commitLogRoots?.length ? configured.commitLogRoots : [besideData]),
  };
}

/** Where a restore downloads when the request names no directory: one directory per operation under the first staging root. */
export const defaultStagingDir = (roots: AgentRoots, operationId: string): string => join(roots.staging[0], operationId);

/** Where imports keep what each load must achieve: the agent's own, under the first staging root. */
export const importWorkRoot = (roots: AgentRoots): string => join(roots.staging[0], '.imports');

/** The roots an agent registered with (it always does; a registration without them is a bug, not a default). */
export function registeredRoots(registration: NodeRegistration): AgentRoots {
  if (!registration.roots) throw new Error('this agent registered without its roots');
  return registration.roots;
}
