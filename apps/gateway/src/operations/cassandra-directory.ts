import { posix } from 'node:path';
import { FieldError, isWithinRoot, NodeRegistration, OperationRequest } from '@daedalus/contracts';

/**
 * Icarus's `cassandraDirectory` (backup, restore) names the Cassandra root its data directories are in
 * (`/var/lib/cassandra` holding `data`). An agent works on the data directories its node really uses, so the
 * field is a statement about the targets, checked here: it holds when every data directory of every target is
 * inside it, and a request where it does not is refused rather than run on other directories than named.
 */
export function cassandraDirectoryErrors(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  if (request.type !== 'backup' && request.type !== 'restore') return [];
  const root = request.cassandraDirectory;
  if (root === undefined) return [];
  const errors: FieldError[] = [];
  for (const target of targets) {
    const outside = target.dataDirectories.filter((dir) => !isWithinRoot(dir, root));
    if (outside.length === 0) continue;
    errors.push({
      field: 'cassandraDirectory',
      message:
        `cassandraDirectory: ${root} does not hold the data directories of node ${target.hostId} (${outside.join(', ')}); ` +
        'the agent works on the directories Cassandra uses: leave cassandraDirectory out or name their root',
    });
  }
  return errors;
}

/**
 * Esop's `dataDirs` (backup, restore) lists the node's data directories. The agent uses those its node really
 * has, so the list must be exactly them (in any order): another list would name directories the operation
 * does not read or write, and is refused.
 */
export function dataDirsErrors(request: OperationRequest, targets: NodeRegistration[]): FieldError[] {
  if ((request.type !== 'backup' && request.type !== 'restore') || request.dataDirs === undefined) return [];
  const normal = (dirs: string[]) => [...new Set(dirs.map((d) => posix.normalize(d).replace(/(.)\/$/, '$1')))].sort();
  const named = normal(request.dataDirs);
  const errors: FieldError[] = [];
  for (const target of targets) {
    const actual = normal(target.dataDirectories);
    if (named.join('\n') === actual.join('\n')) continue;
    errors.push({
      field: 'dataDirs',
      message:
        `dataDirs: node ${target.hostId} has the data directories ${actual.join(', ')}, not ${named.join(', ')}; ` +
        'the agent works on the directories Cassandra uses: leave dataDirs out or list exactly them',
    });
  }
  return errors;
}
