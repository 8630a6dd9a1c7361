import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { entries, sstableIdentity } from './snapshot-files';
import { parseComponentName } from './sstable-names';

/**
 * What identifies an SSTable's content wherever it is and whatever it is called: its Data.db size and the
 * identity a backup gives it (the CRC32 Cassandra keeps in Digest.crc32). Import and refresh rename SSTables
 * to new ids, so names cannot be compared; these can.
 */
export async function sstableFingerprints(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  for (const entry of await entries(dir)) {
    if (!entry.isFile() || !parseComponentName(entry.name)) continue;
    const info = await stat(join(dir, entry.name)).catch(() => undefined); // compaction may delete it meanwhile
    if (info) files.set(entry.name, { size: info.size, mtimeMs: info.mtimeMs });
  }
  const fingerprints = new Map<string, string>();
  for (const [name, info] of files) {
    const parsed = parseComponentName(name);
    if (parsed?.component !== 'Data.db') continue;
    fingerprints.set(parsed.sstable, `${info.size}:${await sstableIdentity(dir, parsed.sstable, files)}`);
  }
  return fingerprints;
}

/** The fingerprints of every SSTable in any of `dirs`. */
export async function fingerprintsIn(dirs: string[]): Promise<Set<string>> {
  const all = new Set<string>();
  for (const dir of dirs) for (const fingerprint of (await sstableFingerprints(dir)).values()) all.add(fingerprint);
  return all;
}
