import type { BackupCommitResult, BackupTotals } from '@daedalus/contracts';

export type { BackupTotals };

/** Versioned JSON documents a backup writes; readers reject a major version they do not know. */
export const MANIFEST_SCHEMA_VERSION = '1.0';

export interface ManifestFile {
  /** object key, relative to the bucket */
  key: string;
  /** path inside the table directory, e.g. "nb-3-big-Data.db" or ".ix_name/nb-1-big-Data.db" */
  name: string;
  /** the file's size and sha256 (of the plaintext when the object is encrypted) */
  size: number;
  sha256: string;
  /** set when the object is client-side encrypted: size and sha256 of the bytes in the store, for verifying them */
  stored?: { size: number; sha256: string };
  /**
   * set when the file was compressed before it was stored (and before it was sealed, when encrypted): the format
   * and the compressed bytes' size and sha256 — the object itself unless `stored` says it was sealed too. The key
   * then ends in ".zst" (docs/design.md, "Compression").
   */
  compressed?: ManifestCompressed;
}

export interface ManifestCompressed {
  format: 'zstd';
  size: number;
  sha256: string;
}

/** What a backup asked for (`compression` in the request): per file, `compressed` says what was done. */
export interface ManifestCompression {
  format: 'zstd';
  level: number;
}

/** The bytes the store holds for a file: sealed, else compressed, else the file itself. */
export const storedOf = (file: Pick<ManifestFile, 'size' | 'sha256' | 'stored' | 'compressed'>): { size: number; sha256: string } =>
  file.stored ??
  (file.compressed ? { size: file.compressed.size, sha256: file.compressed.sha256 } : { size: file.size, sha256: file.sha256 });

/** How a backup's SSTable objects are encrypted (docs/design.md, "Client-side encryption"); absent: in the clear. */
export interface ManifestEncryption {
  /** the object format, ENCRYPTION_SCHEME */
  scheme: string;
  /** the fingerprint of the key the objects are sealed with; the key itself is never stored */
  keyId: string;
  chunkBytes: number;
}

export interface ManifestTable {
  keyspace: string;
  table: string;
  /** 32 hex characters, as in the table directory's name */
  tableId: string;
  /** the snapshot's schema.cql (CREATE statements), when Cassandra wrote one */
  schemaCql?: string;
  files: ManifestFile[];
}

/** The node manifest: written last, it is what makes a node's backup exist. */
export interface NodeManifest {
  schemaVersion: string;
  kind: 'daedalus.node-backup';
  backupName: string;
  snapshotTag: string;
  operationId: string;
  cluster: string;
  dc: string;
  rack: string;
  hostId: string;
  address: string;
  tokens: string[];
  cassandraVersion: string;
  cassandraSchemaVersion: string;
  /** nodes the backup was taken on (1 for a node-local backup) */
  expectedNodes: number;
  startTime: string;
  endTime: string;
  tables: ManifestTable[];
  totals: BackupTotals;
  encryption?: ManifestEncryption;
  /** absent: the request asked for none (files may still be compressed objects an earlier backup stored) */
  compression?: ManifestCompression;
}

/**
 * The cluster record: written after every node's manifest is in; a global backup is complete with it. Its
 * fields are what COMMIT reports (BackupCommitResult, in the backup protocol).
 */
export interface ClusterBackupRecord extends BackupCommitResult {
  schemaVersion: string;
  kind: 'daedalus.cluster-backup';
}

export function parseManifestJson<T extends { schemaVersion: string; kind: string }>(text: string, kind: T['kind'], source: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not valid JSON`);
  }
  const doc = value as Partial<T>;
  if (typeof doc !== 'object' || doc === null || doc.kind !== kind) throw new Error(`${source} is not a ${kind} document`);
  if (typeof doc.schemaVersion !== 'string' || !doc.schemaVersion.startsWith('1.')) {
    throw new Error(`${source} has schemaVersion ${String(doc.schemaVersion)}; this build reads 1.x`);
  }
  return doc as T;
}

export function sumTotals(parts: BackupTotals[]): BackupTotals {
  return parts.reduce(
    (sum, t) => ({
      files: sum.files + t.files,
      bytes: sum.bytes + t.bytes,
      uploadedFiles: sum.uploadedFiles + t.uploadedFiles,
      uploadedBytes: sum.uploadedBytes + t.uploadedBytes,
      uploadedStoredBytes: (sum.uploadedStoredBytes ?? 0) + (t.uploadedStoredBytes ?? t.uploadedBytes),
    }),
    { files: 0, bytes: 0, uploadedFiles: 0, uploadedBytes: 0, uploadedStoredBytes: 0 },
  );
}

/** What the listing needs of one node's backup, kept small and flat beside the manifest. */
export interface NodeBackupSummary {
  schemaVersion: string;
  kind: 'daedalus.node-backup-summary';
  backupName: string;
  snapshotTag: string;
  cluster: string;
  dc: string;
  hostId: string;
  manifest: string;
  expectedNodes: number;
  startTime: string;
  endTime: string;
  totals: BackupTotals;
  /** the key fingerprint of an encrypted backup */
  encryptionKeyId?: string;
}

export function summarise(manifest: NodeManifest, manifestKey: string): NodeBackupSummary {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: 'daedalus.node-backup-summary',
    backupName: manifest.backupName,
    snapshotTag: manifest.snapshotTag,
    cluster: manifest.cluster,
    dc: manifest.dc,
    hostId: manifest.hostId,
    manifest: manifestKey,
    expectedNodes: manifest.expectedNodes,
    startTime: manifest.startTime,
    endTime: manifest.endTime,
    totals: manifest.totals,
    ...(manifest.encryption ? { encryptionKeyId: manifest.encryption.keyId } : {}),
  };
}
