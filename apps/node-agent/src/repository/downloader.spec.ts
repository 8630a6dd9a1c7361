import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MemoryBackend, sha256Hex } from '@daedalus/storage';
import { ManifestFile } from './manifest';
import { OperationRejectedError } from '../operations/executor';
import { downloadFiles, DownloadItem, DownloadOptions } from './downloader';
import { localFileSystem as fs } from '../adapters/filesystem';

const names = async (dir: string) => (await fs.listExisting(dir)).map((e) => e.name);

describe('downloadFiles', () => {
  let dir: string;
  let backend: MemoryBackend;

  async function stored(name: string, content: string): Promise<ManifestFile> {
    const key = `objects/${name}`;
    await backend.put(key, Readable.from([Buffer.from(content)]));
    return { key, name, size: Buffer.byteLength(content), sha256: sha256Hex(content) };
  }

  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    concurrency: 2,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    reserveBytes: 0,
    ...extra,
  });

  beforeEach(async () => {
    dir = await fs.makeTemporaryDirectory('downloader');
    backend = new MemoryBackend();
  });

  afterEach(() => fs.remove(dir));

  it('downloads every file verified, and a re-run fetches nothing', async () => {
    const items: DownloadItem[] = [
      { file: await stored('nb-1-big-Data.db', 'first data'), path: join(dir, 'a', 'nb-1-big-Data.db') },
      { file: await stored('nb-1-big-TOC.txt', 'Data.db\nTOC.txt\n'), path: join(dir, 'b', 'nb-1-big-TOC.txt') },
    ];
    const progress: Array<[number, number]> = [];
    const first = await downloadFiles(backend, items, options({ onProgress: (done, total) => progress.push([done, total]) }));
    expect(first).toEqual({ fetchedFiles: 2, fetchedBytes: 10 + 16 });
    expect(await fs.readText(items[0].path)).toBe('first data');
    expect(progress[progress.length - 1]).toEqual([26, 26]);
    expect(await downloadFiles(backend, items, options())).toEqual({ fetchedFiles: 0, fetchedBytes: 0 });
  });

  it('refuses before the first byte when the filesystem would keep less than the reserve free', async () => {
    const items = [{ file: await stored('nb-2-big-Data.db', 'some bytes'), path: join(dir, 'staging', 'nb-2-big-Data.db') }];
    const refusal = downloadFiles(backend, items, options({ reserveBytes: Number.MAX_SAFE_INTEGER }));
    await expect(refusal).rejects.toBeInstanceOf(OperationRejectedError);
    await expect(refusal).rejects.toThrow(/not enough free disk space at .*staging: 10 bytes to download/);
    expect(await fs.stat(join(dir, 'staging'))).toBeUndefined(); // not even its directory: planning writes nothing
  });

  it('leaves no file under its name, and no part file, when the object does not match the manifest', async () => {
    const file = await stored('nb-3-big-Data.db', 'original!');
    await backend.put(file.key, Readable.from([Buffer.from('tampered!')]));
    const items = [{ file, path: join(dir, 'nb-3-big-Data.db') }];
    await expect(downloadFiles(backend, items, options())).rejects.toThrow(/sha256/);
    expect(await names(dir)).toEqual([]);
  });

  it('trusts a same-sized file under its name, unless told to verify existing files', async () => {
    const file = await stored('nb-4-big-Data.db', 'backed-up');
    const path = join(dir, 'nb-4-big-Data.db');
    await fs.write(path, 'reused-gn'); // same size, other bytes: a reused generation on a rebuilt node
    expect(await downloadFiles(backend, [{ file, path }], options())).toEqual({ fetchedFiles: 0, fetchedBytes: 0 });
    expect(await downloadFiles(backend, [{ file, path }], options({ verifyExisting: true }))).toEqual({ fetchedFiles: 1, fetchedBytes: 9 });
    expect(await fs.readText(path)).toBe('backed-up');
    expect(await downloadFiles(backend, [{ file, path }], options({ verifyExisting: true }))).toEqual({ fetchedFiles: 0, fetchedBytes: 0 });
  });
});
