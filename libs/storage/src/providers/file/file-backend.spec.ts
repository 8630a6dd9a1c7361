import { mkdtempSync, promises as fsPromises, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256Hex } from '../../hashing';
import { IntegrityError } from '../../errors';
import { ThrottledBackend } from '../../wrappers/throttle';
import { FileBackend } from './file-backend';

describe('FileBackend put of a local file (copied by the kernel, the copy hashed)', () => {
  let root: string;
  let source: string;
  const content = Buffer.concat([Buffer.alloc(3 * 1024 * 1024 + 17, 7), Buffer.from('tail')]);
  const neverRead = () => {
    throw new Error('the stream was read although the file was copied');
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'daedalus-file-backend-'));
    source = join(root, 'source.db');
    writeFileSync(source, content);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores the file byte for byte and reports the size and sha256 of what it stored', async () => {
    const backend = new FileBackend({ root, bucket: 'bucket' });
    const result = await backend.put('a/b.db', neverRead, { localFile: source, size: content.length, sha256: sha256Hex(content) });
    expect(result).toEqual({ key: 'a/b.db', size: content.length, sha256: sha256Hex(content) });
    expect(readFileSync(join(root, 'bucket', 'a', 'b.db')).equals(content)).toBe(true);
    expect(readdirSync(join(root, 'bucket', '.daedalus-tmp'))).toEqual([]);
  });

  it('refuses a copy whose hash or size is not the expected one, leaving no object behind', async () => {
    const backend = new FileBackend({ root, bucket: 'bucket' });
    await expect(backend.put('x', neverRead, { localFile: source, sha256: sha256Hex('something else') })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await expect(backend.put('y', neverRead, { localFile: source, size: content.length - 1 })).rejects.toThrow(/integrity check failed/);
    expect(await backend.stat('x')).toBeUndefined();
    expect(await backend.stat('y')).toBeUndefined();
    expect(readdirSync(join(root, 'bucket', '.daedalus-tmp'))).toEqual([]);
  });

  it('keeps ifNotExists: a second put of the key fails', async () => {
    const backend = new FileBackend({ root, bucket: 'bucket' });
    await backend.put('k', neverRead, { localFile: source, ifNotExists: true });
    await expect(backend.put('k', neverRead, { localFile: source, ifNotExists: true })).rejects.toThrow(/already exists/i);
  });

  it('behind a throttle the bytes go through the metered stream, not a local copy', async () => {
    const backend = new ThrottledBackend(new FileBackend({ root, bucket: 'bucket' }), 1e9);
    const streamed = Buffer.from('what the metered stream carried');
    const result = await backend.put('t', () => Readable.from([streamed]), { localFile: source });
    expect(result.sha256).toBe(sha256Hex(streamed));
    expect(readFileSync(join(root, 'bucket', 't')).equals(streamed)).toBe(true);
  });
});

describe('FileBackend puts racing deletes in one directory', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'daedalus-file-race-'))));
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  // A delete of a directory's last object removes the directory (removeEmptyParents); a put whose mkdir came just
  // before must make it again (seen in CI: three nodes writing and releasing restore leases under one `leases/`).
  it('makes the directory again when a concurrent delete removed it between its mkdir and its rename or link', async () => {
    const backend = new FileBackend({ root, bucket: 'bucket' });
    const leases = join(root, 'bucket', 'leases');
    for (const [method, options] of [
      ['rename', {}],
      ['link', { ifNotExists: true }],
    ] as const) {
      await backend.put('leases/other', Readable.from([Buffer.from('x')]));
      const original = fsPromises[method].bind(fsPromises);
      const move = jest.spyOn(fsPromises, method).mockImplementationOnce(async (from, to) => {
        await backend.delete('leases/other'); // the directory's last object: the directory goes with it
        return original(from, to);
      });
      await backend.put(`leases/mine-${method}`, Readable.from([Buffer.from('y')]), options);
      expect(move).toHaveBeenCalledTimes(2);
      expect(readdirSync(leases)).toEqual([`mine-${method}`]);
      await backend.delete(`leases/mine-${method}`);
      move.mockRestore();
    }
  });
});
