/**
 * On-disk object store for the GCS fake: content in files (written to a temp name, then renamed),
 * metadata in a JSON file per object and in memory for listing. Nothing buffers object content.
 */
import { createHash, Hash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Crc32c } from './crc32c';

export interface StoredObject {
  name: string;
  bucket: string;
  generation: number;
  metageneration: number;
  size: number;
  contentType: string;
  md5Hash: string;
  crc32c: string;
  metadata: Record<string, string>;
  /** The customer-managed key (with its version) the object was created with, as real GCS reports it. */
  kmsKeyName?: string;
  timeCreated: string;
  updated: string;
  /** Content file, relative to the store directory. */
  file: string;
}

export interface StoredBucket {
  name: string;
  timeCreated: string;
  objects: Map<string, StoredObject>;
}

/** Streams one upload to a temp file while computing md5, crc32c and size. */
export class ContentWriter {
  private readonly out: WriteStream;
  private readonly md5: Hash = createHash('md5');
  private readonly crc = new Crc32c();
  size = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.md5.update(chunk);
    this.crc.update(chunk);
    this.size += chunk.length;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        this.out.once('error', onError);
        this.out.once('drain', () => {
          this.out.off('error', onError);
          resolve();
        });
      });
    }
  }

  async close(): Promise<{ size: number; md5Hash: string; crc32c: string }> {
    await new Promise<void>((resolve, reject) => this.out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return { size: this.size, md5Hash: this.md5.digest('base64'), crc32c: this.crc.base64() };
  }

  async discard(): Promise<void> {
    this.out.destroy();
    await fs.rm(this.path, { force: true });
  }
}

export class ObjectStore {
  readonly buckets = new Map<string, StoredBucket>();
  private generationClock = Date.now() * 1000;

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await fs.mkdir(join(this.dir, 'objects'), { recursive: true });
    await fs.mkdir(join(this.dir, 'tmp'), { recursive: true });
    await fs.mkdir(join(this.dir, 'meta'), { recursive: true });
    // Reload what a previous run left (the CLI may be restarted on the same directory).
    for (const entry of await fs.readdir(join(this.dir, 'meta'))) {
      const record = JSON.parse(await fs.readFile(join(this.dir, 'meta', entry), 'utf8')) as {
        bucket?: StoredBucket;
        object?: StoredObject;
      };
      if (record.bucket)
        this.buckets.set(record.bucket.name, { ...record.bucket, objects: this.buckets.get(record.bucket.name)?.objects ?? new Map() });
    }
    for (const entry of await fs.readdir(join(this.dir, 'meta'))) {
      const record = JSON.parse(await fs.readFile(join(this.dir, 'meta', entry), 'utf8')) as { object?: StoredObject };
      if (record.object) this.buckets.get(record.object.bucket)?.objects.set(record.object.name, record.object);
    }
  }

  nextGeneration(): number {
    this.generationClock = Math.max(this.generationClock + 1, Date.now() * 1000);
    return this.generationClock;
  }

  tempPath(): string {
    return join(this.dir, 'tmp', randomBytes(12).toString('hex'));
  }

  async createBucket(name: string): Promise<StoredBucket> {
    const bucket: StoredBucket = { name, timeCreated: new Date().toISOString(), objects: new Map() };
    this.buckets.set(name, bucket);
    await this.writeMeta(`b-${hashName(name)}`, { bucket: { ...bucket, objects: undefined } });
    return bucket;
  }

  /** Moves finished content into place and records the object; replaces any previous generation. */
  async commit(
    bucket: StoredBucket,
    name: string,
    tempPath: string,
    content: { size: number; md5Hash: string; crc32c: string },
    contentType: string,
    metadata: Record<string, string>,
    kmsKeyName?: string,
  ): Promise<StoredObject> {
    const generation = this.nextGeneration();
    const file = join('objects', `${hashName(bucket.name + '\n' + name)}-${generation}`);
    await fs.rename(tempPath, join(this.dir, file));
    const now = new Date().toISOString();
    const object: StoredObject = {
      name,
      bucket: bucket.name,
      generation,
      metageneration: 1,
      ...content,
      contentType,
      metadata,
      ...(kmsKeyName ? { kmsKeyName } : {}),
      timeCreated: now,
      updated: now,
      file,
    };
    const previous = bucket.objects.get(name);
    bucket.objects.set(name, object);
    await this.saveObject(object);
    if (previous) await fs.rm(join(this.dir, previous.file), { force: true });
    return object;
  }

  async saveObject(object: StoredObject): Promise<void> {
    await this.writeMeta(`o-${hashName(object.bucket + '\n' + object.name)}`, { object });
  }

  async deleteObject(bucket: StoredBucket, object: StoredObject): Promise<void> {
    bucket.objects.delete(object.name);
    await fs.rm(join(this.dir, 'meta', `o-${hashName(object.bucket + '\n' + object.name)}.json`), { force: true });
    await fs.rm(join(this.dir, object.file), { force: true });
  }

  contentPath(object: StoredObject): string {
    return join(this.dir, object.file);
  }

  private async writeMeta(name: string, record: unknown): Promise<void> {
    const tmp = this.tempPath();
    await fs.writeFile(tmp, JSON.stringify(record));
    await fs.rename(tmp, join(this.dir, 'meta', `${name}.json`));
  }
}

function hashName(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 40);
}
