import { StorageBackend } from '@daedalus/storage';
import { BackupLayout } from './backup-layout';

/** The names of every tombstoned backup of a cluster. */
export async function tombstonedNames(backend: StorageBackend, cluster: string): Promise<Set<string>> {
  const names = new Set<string>();
  const prefix = BackupLayout.tombstonesPrefix(cluster);
  for await (const entry of backend.list(prefix)) {
    if (entry.isPrefix || !entry.key.endsWith('.json')) continue;
    const name = entry.key.slice(prefix.length, -'.json'.length);
    if (!name.includes('/')) names.add(name);
  }
  return names;
}
