import { Readable, Transform } from 'node:stream';
import { StorageBackend } from '@daedalus/storage';
import { mapConcurrent } from '@daedalus/common';
import { InFlightUploads } from './in-flight-uploads';
import { SnapshotFile } from '../cassandra/snapshot-files';
import { FileSystem, localFileSystem } from '../adapters/filesystem';
import { EncryptionKey, EncryptStream, encryptedSize } from './encryption';
import { ManifestCompressed } from './manifest';
import { CompressionChoice } from './compression/compression-choice';

export interface UploadItem {
  file: SnapshotFile;
  key: string;
}

export interface StoredObject {
  /** of the file (the plaintext when encrypted) */
  size: number;
  sha256: string;
  /** of the object in the store, when it is encrypted */
  stored?: { size: number; sha256: string };
  /** of the compressed bytes, when the file was compressed before it was stored (and sealed) */
  compressed?: ManifestCompressed;
}

export interface UploadOutcome extends StoredObject {
  /** false when the store already held the object and nothing was read or sent */
  uploaded: boolean;
  /** the object's key when it is not the item's: a compressed object's (the item's plus ".zst") */
  key?: string;
}

export interface UploadOptions {
  /** the prefix all items live under: listed once, so absent objects need no per-object request */
  prefix: string;
  concurrency: number;
  signal: AbortSignal;
  /** objects earlier committed backups of this node hold (from their manifests) */
  known: Map<string, StoredObject>;
  inFlight: InFlightUploads;
  onProgress: (doneBytes: number, totalBytes: number) => void;
  /** where the snapshot files are read from (the local filesystem unless a test says otherwise) */
  fs?: FileSystem;
  /** seal every object with this key (client-side encryption); the items' keys must be under its prefix */
  encryption?: EncryptionKey;
  /** compress the files that pay with zstd before storing (and sealing) them (compression/compression-choice.ts) */
  compression?: { level: number };
}

/** Counts the bytes that pass, so progress follows the upload itself (including its throttling). */
function counted(source: Readable, onBytes: (n: number) => void, signal: AbortSignal): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  const abort = () => {
    const reason = new Error('cancelled');
    source.destroy(reason);
    counter.destroy(reason);
  };
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  counter.on('close', () => signal.removeEventListener('abort', abort));
  source.on('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}

/**
 * Uploads what the store does not hold yet. An object already there — listed in an earlier manifest, or
 * left by an earlier backup that failed or paused before its manifest (found by listing, its hash read from
 * metadata or remembered from this process's own upload of it) — is neither read nor uploaded. New files are read once: hashed while they stream to the store.
 */
export async function uploadSnapshot(
  backend: StorageBackend,
  items: UploadItem[],
  options: UploadOptions,
): Promise<Map<string, UploadOutcome>> {
  const outcomes = new Map<string, UploadOutcome>();
  const unknown: UploadItem[] = [];
  const encrypted = options.encryption !== undefined;
  for (const item of items) {
    const known = CompressionChoice.reusable(options.known, item, encrypted);
    if (known) outcomes.set(item.key, known);
    else unknown.push(item);
  }
  // One listing tells which objects exist at all; only those (left by a backup that failed before its
  // manifest) need a stat, for the hash their metadata holds. An encrypted object's metadata holds only the
  // hash of its ciphertext, not the file's, so such leftovers are uploaded again instead.
  const present = new Map<string, number | undefined>();
  if (unknown.length > 0 && !encrypted)
    for await (const entry of backend.list(options.prefix)) if (!entry.isPrefix) present.set(entry.key, entry.size);
  const toUpload: UploadItem[] = [];
  const candidates = unknown.filter((item) => {
    const size = present.get(item.key);
    if (present.has(item.key) && (size === undefined || size === item.file.size)) return true;
    toUpload.push(item);
    return false;
  });
  await mapConcurrent(candidates, options.concurrency, options.signal, async (item) => {
    // stored by this process before (a backup paused at a window's end, now in its next round): its hash is known
    const earlier = options.inFlight.storedEarlier<StoredObject>(`${backend.name}/${item.key}`);
    if (earlier && earlier.size === item.file.size && earlier.stored === undefined) {
      outcomes.set(item.key, { ...earlier, uploaded: false });
      return;
    }
    const info = await backend.stat(item.key);
    if (info && info.size === item.file.size && info.sha256)
      outcomes.set(item.key, { size: info.size, sha256: info.sha256, uploaded: false });
    else toUpload.push(item);
  });

  const choice = options.compression ? new CompressionChoice(options.compression.level, items, options.fs ?? localFileSystem) : undefined;
  const total = toUpload.reduce((sum, item) => sum + item.file.size, 0);
  let done = 0;
  const report = () => options.onProgress(done, total);
  report();
  await mapConcurrent(toUpload, options.concurrency, options.signal, async (item) => {
    let attemptBytes = 0;
    let encryptor: EncryptStream | undefined;
    let content: (() => { size: number; sha256: string }) | undefined;
    // decided once per file (a retried attempt stores the same form under the same key)
    const compress = choice ? await choice.pays(item.file) : false;
    const key = compress ? CompressionChoice.compressedKey(item.key) : item.key;
    const upload = async (): Promise<StoredObject> => {
      const result = await backend.put(
        key,
        () => {
          done -= attemptBytes; // a retried attempt starts the file again
          attemptBytes = 0;
          const plaintext = counted(
            (options.fs ?? localFileSystem).openRead(item.file.path),
            (n) => {
              attemptBytes += n;
              done += n;
              report();
            },
            options.signal,
          );
          let encoded: Readable = plaintext;
          if (compress && choice) ({ stream: encoded, content } = choice.compress(plaintext));
          return options.encryption ? (encryptor = sealed(encoded, options.encryption)) : encoded;
        },
        {
          // a compressed object's size is known only once it is written
          size: compress ? undefined : options.encryption ? encryptedSize(item.file.size) : item.file.size,
          // a plain object is the file itself: a store on this machine may copy it without streaming it
          localFile: options.encryption || options.fs || compress ? undefined : item.file.path,
        },
      );
      if (attemptBytes === 0) {
        done += result.size; // copied by the store without reading the stream
        report();
      }
      if (content) return CompressionChoice.outcome(content(), result, encryptor);
      if (!encryptor) return { size: result.size, sha256: result.sha256 };
      // the store checked the ciphertext's size, which fixes the plaintext's; the hash of the file is the encryptor's
      return { size: encryptor.plaintextSize, sha256: encryptor.plaintextSha256, stored: { size: result.size, sha256: result.sha256 } };
    };
    const { promise, shared } = options.inFlight.run(`${backend.name}/${key}`, upload);
    const result = await promise;
    if (shared) {
      done += item.file.size;
      report();
    }
    outcomes.set(item.key, { ...result, uploaded: !shared, ...(compress ? { key } : {}) });
  });
  return outcomes;
}

/** The plaintext, encrypted on its way to the store; an error or cancel of the plaintext fails the upload. */
function sealed(plaintext: Readable, key: EncryptionKey): EncryptStream {
  const encryptor = new EncryptStream(key);
  plaintext.on('error', (error) => encryptor.destroy(error));
  return plaintext.pipe(encryptor);
}
