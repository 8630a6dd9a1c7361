import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { VerifyMode } from '@daedalus/contracts';
import { mapConcurrent } from '@daedalus/common';
import { isStorageError, StorageBackend } from '@daedalus/storage';
import { OperationRejectedError } from '../operations/executor';
import { BackupLayout, backupNameOf, NodePath } from './backup-layout';
import { ManifestFile, MANIFEST_SCHEMA_VERSION, NodeManifest, parseManifestJson, storedOf } from './manifest';
import { asCompressionError, CompressedObjectError, decompressing } from './compression';
import { readText } from './manifest-store';
import { DecryptStream, EncryptedObjectError, EncryptionKey, EncryptionKeyMismatchError } from './encryption';

/** One day: longer than a backup normally runs, so what a running backup uploaded is not called an orphan. */
export const DEFAULT_ORPHAN_GRACE_MS = 24 * 3600_000;

/** How many keys of each kind a result and a record name; the counts are always whole. */
export const LISTED_KEYS = 100;

export interface VerifyOptions {
  mode: VerifyMode;
  concurrency: number;
  signal: AbortSignal;
  /** objects younger than this are not called orphans: a backup running now may be about to name them */
  orphanGraceMs: number;
  now: () => Date;
  /** the agent's client-side key: with it a full verify also opens encrypted objects and checks their plaintext */
  encryption?: EncryptionKey;
  onProgress: (doneBytes: number, totalBytes: number) => void;
}

export interface ObjectProblem {
  key: string;
  /** missing: not in the store; size: another size than the manifest's; sha256: other bytes (full only) */
  problem: 'missing' | 'size' | 'content';
  detail?: string;
}

export interface BackupVerdict {
  backupName: string;
  state: 'passed' | 'failed';
  objects: number;
  bytes: number;
  missing: number;
  corrupt: number;
  /** the first LISTED_KEYS problems */
  problems: ObjectProblem[];
  /** full verify of an encrypted backup: whether the plaintext was checked too (needs the agent's key) */
  plaintextChecked?: boolean;
  /** the verification record written for it */
  record: string;
}

export interface OrphanReport {
  objects: number;
  bytes: number;
  /** the first LISTED_KEYS of them */
  keys: string[];
  graceMs: number;
  /** objects named by no manifest but younger than the grace: not counted as orphans */
  youngerThanGrace: number;
}

export interface NodeVerification {
  hostId: string;
  dc: string;
  mode: VerifyMode;
  backups: BackupVerdict[];
  orphans: OrphanReport;
  /** bytes downloaded and hashed (full) */
  verifiedBytes: number;
}

/** The immutable document a verify writes per backup and node (docs/design.md, "Verify"). */
export interface VerificationRecord extends Omit<BackupVerdict, 'record'> {
  schemaVersion: string;
  kind: 'daedalus.backup-verification';
  cluster: string;
  dc: string;
  hostId: string;
  mode: VerifyMode;
  at: string;
  operationId: string;
}

interface Listed {
  size: number;
  lastModified?: Date;
}

/** What the node's manifests say: every key any of them names, and the files of the backups to check. */
interface ManifestFacts {
  referenced: Set<string>;
  targets: Array<{ backupName: string; files: ManifestFile[]; encryptionKeyId?: string }>;
}

async function listKeys(backend: StorageBackend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of backend.list(prefix)) if (!entry.isPrefix) keys.push(entry.key);
  return keys;
}

/**
 * Reads every manifest of the node one at a time (memory holds keys, never two manifests' files beyond the
 * checked ones): orphans are decided against all of them, whichever backups are checked.
 */
async function readManifests(backend: StorageBackend, node: NodePath, selection: string[] | 'all'): Promise<ManifestFacts> {
  const manifestKeys = (await listKeys(backend, BackupLayout.manifestsPrefix(node))).filter((k) => k.endsWith('.json'));
  const names = new Map(manifestKeys.map((key) => [backupNameOf(key) ?? key, key]));
  const wanted = selection === 'all' ? [...names.keys()] : selection;
  for (const name of wanted) {
    if (!names.has(name)) {
      throw new OperationRejectedError(
        `backup ${name} has no manifest for node ${node.hostId} in ${node.cluster}/${node.dc}: nothing to verify`,
      );
    }
  }
  const facts: ManifestFacts = { referenced: new Set(), targets: [] };
  for (const [name, key] of names) {
    const manifest = parseManifestJson<NodeManifest>(await readText(backend, key), 'daedalus.node-backup', key);
    const files = manifest.tables.flatMap((t) => t.files);
    for (const file of files) facts.referenced.add(file.key);
    if (wanted.includes(name)) facts.targets.push({ backupName: name, files, encryptionKeyId: manifest.encryption?.keyId });
  }
  return facts;
}

/** One listing per object prefix of the node, instead of one stat per object. */
async function listObjects(backend: StorageBackend, node: NodePath): Promise<Map<string, Listed>> {
  const found = new Map<string, Listed>();
  for (const prefix of BackupLayout.objectPrefixes(node)) {
    for await (const entry of backend.list(prefix)) {
      if (!entry.isPrefix) found.set(entry.key, { size: entry.size ?? -1, lastModified: entry.lastModified });
    }
  }
  return found;
}

/** Streams one object through its checks to nowhere; undefined when it is as the manifest says. */
async function readBack(
  backend: StorageBackend,
  file: ManifestFile,
  options: VerifyOptions,
  counted: (bytes: number) => void,
): Promise<ObjectProblem | undefined> {
  const decrypt =
    file.stored && options.encryption
      ? [new DecryptStream(options.encryption, { object: file.key, expected: file.compressed ?? { size: file.size, sha256: file.sha256 } })]
      : [];
  // a compressed object is decompressed and the file's bytes checked too, unless it is sealed with a key we lack
  const decompress =
    file.compressed && (!file.stored || options.encryption) ? decompressing({ size: file.size, sha256: file.sha256 }, file.key) : [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      callback();
    },
  });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      counted(chunk.length);
      callback(null, chunk);
    },
  });
  try {
    const source = await backend.get(file.key, { expected: storedOf(file) });
    await pipeline([source, counter, ...decrypt, ...decompress, sink], { signal: options.signal });
    return undefined;
  } catch (caught) {
    const error = asCompressionError(caught, file.key);
    if (isStorageError(error) && error.kind === 'not-found') return { key: file.key, problem: 'missing', detail: 'gone since the listing' };
    if (isStorageError(error) && error.kind === 'integrity') return { key: file.key, problem: 'content', detail: error.message };
    if (error instanceof EncryptedObjectError && !(error instanceof EncryptionKeyMismatchError)) {
      return { key: file.key, problem: 'content', detail: error.message };
    }
    if (error instanceof CompressedObjectError) return { key: file.key, problem: 'content', detail: error.message };
    throw error; // a transport failure, a cancel: the verify stops rather than call an object bad
  }
}

/**
 * Checks the objects of the selected backups of one node: every object a manifest names is listed with its stored
 * size (quick), and read back against its stored sha256 (full; with the agent's key, an encrypted object is also
 * opened and its plaintext checked, as a restore does). Objects shared by several backups are checked once.
 */
export async function verifyNode(
  backend: StorageBackend,
  node: NodePath,
  selection: string[] | 'all',
  options: VerifyOptions,
): Promise<Omit<NodeVerification, 'backups'> & { backups: Array<Omit<BackupVerdict, 'record'>> }> {
  const facts = await readManifests(backend, node, selection);
  const listed = await listObjects(backend, node);
  const problems = new Map<string, ObjectProblem>();
  const toRead = new Map<string, ManifestFile>();
  for (const { files } of facts.targets) {
    for (const file of files) {
      if (problems.has(file.key) || toRead.has(file.key)) continue;
      let found = listed.get(file.key);
      // a store whose listing gives no size (none of ours, but the interface allows it) is asked per object
      if (found && found.size < 0) found = await backend.stat(file.key);
      const expectedSize = storedOf(file).size;
      if (!found) problems.set(file.key, { key: file.key, problem: 'missing' });
      else if (found.size !== expectedSize) {
        problems.set(file.key, { key: file.key, problem: 'size', detail: `${found.size} bytes stored, ${expectedSize} in the manifest` });
      } else if (options.mode === 'full') toRead.set(file.key, file);
    }
  }
  let verifiedBytes = 0;
  if (options.mode === 'full') {
    const files = [...toRead.values()];
    const total = files.reduce((sum, f) => sum + storedOf(f).size, 0);
    options.onProgress(0, total);
    await mapConcurrent(files, options.concurrency, options.signal, async (file) => {
      const problem = await readBack(backend, file, options, (bytes) => {
        verifiedBytes += bytes;
        options.onProgress(verifiedBytes, total);
      });
      if (problem) problems.set(file.key, problem);
    });
  }
  const backups = facts.targets.map(({ backupName, files, encryptionKeyId }) => {
    const found = [...new Set(files.map((f) => f.key))].flatMap((key) => problems.get(key) ?? []);
    const missing = found.filter((p) => p.problem === 'missing').length;
    return {
      backupName,
      state: found.length === 0 ? ('passed' as const) : ('failed' as const),
      objects: files.length,
      bytes: files.reduce((sum, f) => sum + storedOf(f).size, 0),
      missing,
      corrupt: found.length - missing,
      problems: found.slice(0, LISTED_KEYS),
      ...(options.mode === 'full' && encryptionKeyId !== undefined ? { plaintextChecked: options.encryption?.id === encryptionKeyId } : {}),
    };
  });
  return {
    hostId: node.hostId,
    dc: node.dc,
    mode: options.mode,
    backups,
    orphans: findOrphans(listed, facts.referenced, options),
    verifiedBytes,
  };
}

/** Objects under the node's data prefixes that no manifest names, older than the grace window. */
function findOrphans(listed: Map<string, Listed>, referenced: Set<string>, options: VerifyOptions): OrphanReport {
  const report: OrphanReport = { objects: 0, bytes: 0, keys: [], graceMs: options.orphanGraceMs, youngerThanGrace: 0 };
  const cutoff = options.now().getTime() - options.orphanGraceMs;
  for (const [key, { size, lastModified }] of listed) {
    if (referenced.has(key)) continue;
    // an object whose age the store does not tell is treated as young: never call what may be in use an orphan
    if (lastModified === undefined || lastModified.getTime() > cutoff) {
      report.youngerThanGrace += 1;
      continue;
    }
    report.objects += 1;
    report.bytes += Math.max(0, size);
    if (report.keys.length < LISTED_KEYS) report.keys.push(key);
  }
  return report;
}

/**
 * Writes one verification record per checked backup (immutable, a new key each time) and checks each is in the
 * store before the verify reports it.
 */
export async function recordVerdicts(
  backend: StorageBackend,
  node: NodePath,
  verdicts: Array<Omit<BackupVerdict, 'record'>>,
  mode: VerifyMode,
  at: Date,
  operationId: string,
): Promise<BackupVerdict[]> {
  const written: BackupVerdict[] = [];
  for (const verdict of verdicts) {
    const key = BackupLayout.verification(node, verdict.backupName, at, mode, verdict.state);
    const record: VerificationRecord = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      kind: 'daedalus.backup-verification',
      cluster: node.cluster,
      dc: node.dc,
      hostId: node.hostId,
      mode,
      at: at.toISOString(),
      operationId,
      ...verdict,
    };
    const bytes = Buffer.from(JSON.stringify(record, null, 2));
    await backend.put(key, () => Readable.from([bytes]), { contentType: 'application/json', size: bytes.length, ifNotExists: true });
    if ((await backend.stat(key))?.size !== bytes.length)
      throw new Error(`verification record ${key} is not in the store after writing it`);
    written.push({ ...verdict, record: key });
  }
  return written;
}
