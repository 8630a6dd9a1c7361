import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { StorageBackend } from '@daedalus/storage';
import { backupNameOf, BackupLayout, NodePath } from './backup-layout';
import { tombstonedNames } from './tombstones';
import { ManifestFile, NodeManifest, parseManifestJson } from './manifest';
import { StoredObject } from './uploader';
import { checkManifestNames } from '../paths/manifest-names';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export async function readText(backend: StorageBackend, key: string): Promise<string> {
  const stream: Readable = await backend.get(key);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST_BYTES) {
      stream.destroy();
      throw new Error(`${key} is larger than a manifest can be`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const parseNodeManifest = (text: string, key: string) => parseManifestJson<NodeManifest>(text, 'daedalus.node-backup', key);

/** A node manifest whose names are checked (paths.ts): nothing it names can reach outside the directory it is written to. */
export async function readNodeManifest(backend: StorageBackend, key: string): Promise<NodeManifest> {
  const manifest = parseNodeManifest(await readText(backend, key), key);
  checkManifestNames(manifest, key);
  return manifest;
}

/** Manifests kept in memory; older ones are read again when needed, so memory stays bounded. */
const CACHED_MANIFESTS = 32;

/**
 * What committed backups of a node already hold. Manifests never change once written, so the recently
 * used ones are kept in memory (least recently used dropped first).
 */
@Injectable()
export class ManifestCache {
  private readonly files = new Map<string, ManifestFile[]>();

  private remember(key: string, files: ManifestFile[]): void {
    this.files.delete(key);
    this.files.set(key, files);
    while (this.files.size > CACHED_MANIFESTS) this.files.delete(this.files.keys().next().value as string);
  }

  async knownObjects(backend: StorageBackend, node: NodePath): Promise<Map<string, StoredObject>> {
    const known = new Map<string, StoredObject>();
    // a tombstoned backup's objects may be swept: never reuse them unseen
    const removed = await tombstonedNames(backend, node.cluster);
    for await (const entry of backend.list(BackupLayout.manifestsPrefix(node))) {
      if (entry.isPrefix || !entry.key.endsWith('.json') || removed.has(backupNameOf(entry.key) ?? '')) continue;
      const cacheKey = `${backend.name}/${entry.key}`;
      // only keys, sizes and hashes are used here (deduplication), never names: one bad manifest must not stop every backup
      const files =
        this.files.get(cacheKey) ?? parseNodeManifest(await readText(backend, entry.key), entry.key).tables.flatMap((t) => t.files);
      this.remember(cacheKey, files);
      for (const file of files)
        known.set(file.key, { size: file.size, sha256: file.sha256, stored: file.stored, compressed: file.compressed });
    }
    return known;
  }
}
