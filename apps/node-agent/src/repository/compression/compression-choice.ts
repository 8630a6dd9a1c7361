import { Readable } from 'node:stream';
import { FileSystem } from '../../adapters/filesystem';
import { SnapshotFile } from '../../cassandra/snapshot-files';
import { ManifestCompressed } from '../manifest';
import { cassandraCompressor, compressionInfoFiles, probePays, reasonToSkip } from './component-rules';
import { COMPRESSED_KEY_SUFFIX, COMPRESSION_FORMAT, requireZstd } from './zstd-format';
import { compressing, CompressingSource } from './zstd-streams';

/** What the uploader knows of an object already stored (uploader.ts's StoredObject, without the import cycle). */
interface KnownObject {
  size: number;
  sha256: string;
  stored?: { size: number; sha256: string };
  compressed?: ManifestCompressed;
}

/**
 * One backup's compression decisions (docs/design.md, "Compression"): which files are stored compressed, under
 * which key, and what the manifest records for them. The uploader asks it; the byte streams are zstd-streams.ts.
 */
export class CompressionChoice {
  private readonly compressionInfo: Map<string, SnapshotFile>;
  /** per SSTable, the compressor its CompressionInfo.db names (read once, only for SSTables being uploaded) */
  private readonly compressors = new Map<string, Promise<string>>();

  constructor(
    readonly level: number,
    files: Array<{ file: SnapshotFile }>,
    private readonly fs: FileSystem,
  ) {
    requireZstd();
    this.compressionInfo = compressionInfoFiles(files.map((item) => item.file));
  }

  static compressedKey(key: string): string {
    return `${key}${COMPRESSED_KEY_SUFFIX}`;
  }

  /**
   * An object the store already holds for this file, in either form — as it is under the item's key, or compressed
   * under that key plus ".zst" — whatever this backup would choose for a new one: reusing it costs nothing, while
   * storing the other form again would cost an upload. Only a known object whose recorded form matches its key and
   * this backup's encryption is taken, so a compressed and a plain object of one file are never confused.
   */
  static reusable<T extends KnownObject>(
    known: Map<string, T>,
    item: { key: string; file: { size: number } },
    encrypted: boolean,
  ): (T & { uploaded: false; key?: string }) | undefined {
    for (const key of [item.key, CompressionChoice.compressedKey(item.key)]) {
      const found = known.get(key);
      const compressed = key !== item.key;
      if (
        found &&
        found.size === item.file.size &&
        (found.stored !== undefined) === encrypted &&
        (found.compressed !== undefined) === compressed
      ) {
        return { ...found, uploaded: false, ...(compressed ? { key } : {}) };
      }
    }
    return undefined;
  }

  /** Whether a file is stored compressed: not when its component never pays, else when its first bytes shrink enough. */
  async pays(file: SnapshotFile): Promise<boolean> {
    if (reasonToSkip(file, await this.compressorOf(file)) !== undefined) return false;
    return probePays(this.fs, file.path, this.level);
  }

  private compressorOf(file: SnapshotFile): Promise<string | undefined> {
    const info = this.compressionInfo.get(file.sstableDir);
    if (!info || !file.name.endsWith('Data.db')) return Promise.resolve(undefined);
    let found = this.compressors.get(file.sstableDir);
    if (!found) this.compressors.set(file.sstableDir, (found = cassandraCompressor(this.fs, info.path)));
    return found;
  }

  compress(plaintext: Readable): CompressingSource {
    return compressing(plaintext, this.level);
  }

  /**
   * What the manifest records of a compressed file: the file's size and sha256 (what a restore checks after
   * decompressing), the compressed bytes' (the object, or the encryptor's input when sealed), and the sealed
   * object's when encrypted.
   */
  static outcome(
    content: { size: number; sha256: string },
    put: { size: number; sha256: string },
    encryptor: { plaintextSize: number; plaintextSha256: string } | undefined,
  ): KnownObject {
    const compressedBytes = encryptor
      ? { size: encryptor.plaintextSize, sha256: encryptor.plaintextSha256 }
      : { size: put.size, sha256: put.sha256 };
    return {
      size: content.size,
      sha256: content.sha256,
      compressed: { format: COMPRESSION_FORMAT, ...compressedBytes },
      ...(encryptor ? { stored: { size: put.size, sha256: put.sha256 } } : {}),
    };
  }
}
