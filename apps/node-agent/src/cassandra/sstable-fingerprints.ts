import { dataWalker } from './data-directories';

/**
 * What identifies an SSTable's content wherever it is and whatever it is called: its Data.db size and the
 * identity a backup gives it (the CRC32 Cassandra keeps in Digest.crc32). Import and refresh rename SSTables
 * to new ids, so names cannot be compared; these can.
 */
export function sstableFingerprints(dir: string): Promise<Map<string, string>> {
  return dataWalker.fingerprints(dir);
}

/** The fingerprints of every SSTable in any of `dirs`. */
export function fingerprintsIn(dirs: string[]): Promise<Set<string>> {
  return dataWalker.fingerprintsIn(dirs);
}
