/**
 * The storage contract: one suite every provider must pass (file, s3 via s3rver, azure via Azurite,
 * gcs via the fake, and the real clouds when credentials are present). It checks the guarantees
 * documented in libs/storage/src/backend.ts.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AlreadyExistsError, IntegrityError, ListEntry, StorageBackend, StorageError } from '@daedalus/storage';
import { chunked, collect, collectChunks, generatedStream, keysOf, rejection, sha256, sha256OfStream } from './support';

export interface ContractTarget {
  /** A backend on the test bucket; `listPageSize` forces list pagination with few objects. */
  open(options: { listPageSize: number }): StorageBackend;
  /** A backend on a bucket that does not exist (omit where a test cannot name one safely). */
  openMissingBucket?(): StorageBackend;
  /** Strings that must never appear in an error message (credentials of this target). */
  secrets?: string[];
  /** Size of the streamed large object; default 13 MiB + 12345 bytes (past the providers' 5 MiB parts). */
  largeObjectBytes?: number;
  teardown(): Promise<void>;
}

const MIB = 1024 * 1024;

export function runBackendContract(name: string, setup: () => Promise<ContractTarget>): void {
  // No jest.setTimeout here: integration-setup.ts gives every test and hook 180 s, which an emulator start,
  // the 13 MiB object on two shared cores, or a real cloud over a slow link may need.
  describe(`storage contract: ${name}`, () => {
    let target: ContractTarget;
    let backend: StorageBackend;
    let paged: StorageBackend;
    // Every run writes under its own prefix, so real buckets can be shared and cleaned up.
    const root = `contract-${Date.now()}-${randomBytes(3).toString('hex')}/`;
    const key = (suffix: string): string => `${root}${suffix}`;
    const errors: unknown[] = [];
    const failure = async (promise: Promise<unknown>): Promise<unknown> => {
      const error = await rejection(promise);
      errors.push(error);
      return error;
    };

    beforeAll(async () => {
      target = await setup();
      backend = target.open({ listPageSize: 1000 });
      paged = target.open({ listPageSize: 2 });
      await backend.ensureBucket({ create: true });
    });

    afterAll(async () => {
      try {
        if (backend) {
          for await (const entry of backend.list(root)) await backend.delete(entry.key);
        }
      } finally {
        await backend?.close();
        await paged?.close();
        await target?.teardown();
      }
    });

    it('ensureBucket is idempotent and reports a missing bucket as not-found when not creating', async () => {
      await backend.ensureBucket({ create: true });
      await backend.ensureBucket({ create: false });
      const missing = target.openMissingBucket?.();
      if (!missing) return;
      try {
        const error = await failure(missing.ensureBucket({ create: false }));
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).kind).toBe('not-found');
      } finally {
        await missing.close();
      }
    });

    it('round-trips a known-length object and returns its sha256 and size', async () => {
      const data = randomBytes(100_000);
      const result = await backend.put(key('roundtrip/known'), Readable.from([data]), {
        size: data.length,
        contentType: 'application/x-test',
      });
      expect(result).toMatchObject({ key: key('roundtrip/known'), size: data.length, sha256: sha256(data) });
      const back = await collect(await backend.get(key('roundtrip/known'), { expected: { size: data.length, sha256: sha256(data) } }));
      expect(back.equals(data)).toBe(true);
      const info = await backend.stat(key('roundtrip/known'));
      expect(info?.size).toBe(data.length);
      expect(Number.isFinite(info?.lastModified.getTime())).toBe(true);
      if (backend.capabilities.hashMetadata === 'always') expect(info?.sha256).toBe(sha256(data));
    });

    it('stores the sha256 as metadata when the caller provides it', async () => {
      const data = randomBytes(5000);
      await backend.put(key('roundtrip/with-hash'), () => Readable.from([data]), { sha256: sha256(data) });
      const info = await backend.stat(key('roundtrip/with-hash'));
      expect(info?.size).toBe(5000);
      if (backend.capabilities.hashMetadata !== 'none') expect(info?.sha256).toBe(sha256(data));
      else expect(info?.sha256).toBeUndefined();
    });

    it('uploads streams of unknown length, including an empty one', async () => {
      const parts = [randomBytes(70_000), randomBytes(1), randomBytes(300_000)];
      const all = Buffer.concat(parts);
      const result = await backend.put(key('unknown/three-chunks'), chunked(...parts));
      expect(result.size).toBe(all.length);
      expect(result.sha256).toBe(sha256(all));
      expect((await collect(await backend.get(key('unknown/three-chunks')))).equals(all)).toBe(true);

      const empty = await backend.put(key('unknown/empty'), chunked());
      expect(empty).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
      expect((await collect(await backend.get(key('unknown/empty'), { expected: { size: 0, sha256: sha256('') } }))).length).toBe(0);
      expect((await backend.stat(key('unknown/empty')))?.size).toBe(0);
    });

    it('streams a multi-part-sized object up and down with matching hashes', async () => {
      const size = target.largeObjectBytes ?? 13 * MIB + 12345;
      const expected = await sha256OfStream(generatedStream(size, 7));
      const result = await backend.put(key('large/object'), () => generatedStream(size, 7));
      expect(result).toMatchObject({ size, sha256: expected.sha256 });
      const downloaded = await sha256OfStream(await backend.get(key('large/object'), { expected: { size, sha256: expected.sha256 } }));
      expect(downloaded).toEqual(expected);
      const tail = await collect(await backend.get(key('large/object'), { range: { start: size - 100 } }));
      const reference = await collect(generatedStream(size, 7));
      expect(tail.equals(reference.subarray(size - 100))).toBe(true);
    });

    it('reads byte ranges: closed, open-ended, single byte, and an end past the object clamped', async () => {
      const data = randomBytes(10_000);
      await backend.put(key('ranges/object'), Readable.from([data]), { size: data.length });
      const read = async (start: number, end?: number): Promise<Buffer> =>
        collect(await backend.get(key('ranges/object'), { range: { start, end } }));
      expect((await read(100, 199)).equals(data.subarray(100, 200))).toBe(true);
      expect((await read(9_000)).equals(data.subarray(9_000))).toBe(true);
      expect((await read(0, 0)).equals(data.subarray(0, 1))).toBe(true);
      expect((await read(9_990, 20_000)).equals(data.subarray(9_990))).toBe(true);
      const ranged = await collect(
        await backend.get(key('ranges/object'), {
          range: { start: 10, end: 19 },
          expected: { size: 10, sha256: sha256(data.subarray(10, 20)) },
        }),
      );
      expect(ranged.equals(data.subarray(10, 20))).toBe(true);
    });

    it('refuses invalid byte ranges before reading, and a range starting past the end of the object', async () => {
      await backend.put(key('ranges/short'), Readable.from([Buffer.from('0123456789')]), { size: 10 });
      for (const range of [{ start: -1 }, { start: 5, end: 4 }, { start: 1.5 }, { start: 10 }, { start: 50, end: 60 }]) {
        const error = await failure(backend.get(key('ranges/short'), { range }).then(collect));
        expect({ range, error }).toEqual({ range, error: expect.any(StorageError) });
        expect({ range, kind: (error as StorageError).kind }).toEqual({ range, kind: 'permanent' });
      }
    });

    it('hands out copies: changing downloaded bytes does not change the stored object', async () => {
      const data = Buffer.from('immutable content');
      await backend.put(key('copies/object'), Readable.from([Buffer.from(data)]));
      for (const chunk of await collectChunks(await backend.get(key('copies/object')))) chunk.fill(0x21);
      expect((await collect(await backend.get(key('copies/object')))).equals(data)).toBe(true);
    });

    it('reports missing keys: stat gives undefined, get fails with kind not-found', async () => {
      expect(await backend.stat(key('missing/nothing-here'))).toBeUndefined();
      const error = await failure(backend.get(key('missing/nothing-here')));
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).kind).toBe('not-found');
      expect(backend.classifyError(error)).toBe('not-found');
    });

    it('lists by prefix in key order across several pages, with and without a delimiter', async () => {
      const names = ['a', 'b/1', 'b/2', 'b/3/deep', 'c', 'ca', 'd e+f%g', 'z'];
      for (const n of names) await backend.put(key(`list/${n}`), Readable.from([Buffer.from(n)]));
      await backend.put(key('listing-sibling'), Readable.from([Buffer.from('x')]));

      const flat = await keysOf(paged.list(key('list/')));
      expect(flat).toEqual(names.map((n) => key(`list/${n}`)));

      const entries: ListEntry[] = [];
      for await (const entry of paged.list(key('list/'), { delimiter: '/' })) entries.push(entry);
      expect(entries.map((e) => [e.key, e.isPrefix])).toEqual([
        [key('list/a'), false],
        [key('list/b/'), true],
        [key('list/c'), false],
        [key('list/ca'), false],
        [key('list/d e+f%g'), false],
        [key('list/z'), false],
      ]);
      expect(entries.find((e) => e.key === key('list/ca'))?.size).toBe(2);
      // every object entry carries its size and time; a prefix entry carries neither
      for (const entry of entries) {
        if (entry.isPrefix) expect({ key: entry.key, size: entry.size }).toEqual({ key: entry.key, size: undefined });
        else expect(Number.isFinite(entry.lastModified?.getTime())).toBe(true);
      }
      for await (const entry of paged.list(key('list/b/'))) expect(entry).toMatchObject({ isPrefix: false, size: expect.any(Number) });

      expect(await keysOf(paged.list(key('list/c')))).toEqual([key('list/c'), key('list/ca')]);
      expect(await keysOf(paged.list(key('list/b/')))).toEqual([key('list/b/1'), key('list/b/2'), key('list/b/3/deep')]);
      expect(await keysOf(paged.list(key('list/nothing/')))).toEqual([]);
    });

    it('keeps keys with spaces, unicode and URL-special characters intact', async () => {
      const odd = key('odd/spa ce/ünï©ødé/plus+percent%25/question?hash#amp&.txt');
      const data = Buffer.from('odd key content');
      await backend.put(odd, Readable.from([data]));
      expect((await collect(await backend.get(odd))).equals(data)).toBe(true);
      expect(await keysOf(backend.list(key('odd/')))).toEqual([odd]);
      await backend.delete(odd);
      expect(await backend.stat(odd)).toBeUndefined();
    });

    it('deletes idempotently', async () => {
      await backend.put(key('delete/me'), Readable.from([Buffer.from('bye')]));
      await backend.delete(key('delete/me'));
      await backend.delete(key('delete/me'));
      await backend.delete(key('delete/never-existed'));
      expect(await backend.stat(key('delete/me'))).toBeUndefined();
    });

    it('fails a download whose content does not match the expected hash or size with IntegrityError', async () => {
      const data = randomBytes(50_000);
      await backend.put(key('integrity/object'), Readable.from([data]));
      const wrongHash = await failure(collect(await backend.get(key('integrity/object'), { expected: { sha256: sha256('other') } })));
      expect(wrongHash).toBeInstanceOf(IntegrityError);
      expect((wrongHash as StorageError).kind).toBe('integrity');
      expect(backend.classifyError(wrongHash)).toBe('permanent');
      const tooShort = await failure(collect(await backend.get(key('integrity/object'), { expected: { size: data.length + 1 } })));
      expect(tooShort).toBeInstanceOf(IntegrityError);
      const tooLong = await failure(collect(await backend.get(key('integrity/object'), { expected: { size: data.length - 1 } })));
      expect(tooLong).toBeInstanceOf(IntegrityError);
    });

    it('refuses a put whose content does not match the declared size or sha256, and stores nothing', async () => {
      const data = randomBytes(20_000);
      const wrongSize = await failure(backend.put(key('integrity/declared-size'), Readable.from([data]), { size: data.length + 5 }));
      expect(wrongSize).toBeInstanceOf(IntegrityError);
      expect(await backend.stat(key('integrity/declared-size'))).toBeUndefined();
      const wrongHash = await failure(backend.put(key('integrity/declared-hash'), chunked(data), { sha256: sha256('not this') }));
      expect(wrongHash).toBeInstanceOf(IntegrityError);
      expect(await backend.stat(key('integrity/declared-hash'))).toBeUndefined();
    });

    it('fails a put whose source stream errors, and stores nothing', async () => {
      const source = new Readable({ read() {} });
      source.push(randomBytes(1000));
      setTimeout(() => source.destroy(new Error('disk read failed')), 20);
      const error = await failure(backend.put(key('broken/source'), source));
      expect(error).toBeInstanceOf(Error);
      expect(await backend.stat(key('broken/source'))).toBeUndefined();
    });

    it('honours ifNotExists: the second put fails with AlreadyExistsError and the first content stays', async () => {
      const first = Buffer.from('first');
      await backend.put(key('conditional/once'), Readable.from([first]), { ifNotExists: true });
      const error = await failure(backend.put(key('conditional/once'), Readable.from([Buffer.from('second')]), { ifNotExists: true }));
      expect(error).toBeInstanceOf(AlreadyExistsError);
      expect(backend.classifyError(error)).toBe('permanent');
      expect((await collect(await backend.get(key('conditional/once')))).toString()).toBe('first');
      // Without the flag, a put replaces the object.
      await backend.put(key('conditional/once'), Readable.from([Buffer.from('third')]));
      expect((await collect(await backend.get(key('conditional/once')))).toString()).toBe('third');
    });

    it('rejects invalid keys before touching the store, in every call, and invalid list prefixes', async () => {
      for (const bad of ['', '/abs', 'a//b', 'a/../b', './a', 'trailing/', 'back\\slash', 'control\u0001char']) {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['put', () => backend.put(bad, Readable.from([Buffer.from('x')]))],
          ['get', () => backend.get(bad)],
          ['stat', () => backend.stat(bad)],
          ['delete', () => backend.delete(bad)],
        ];
        for (const [call, run] of calls) {
          const error = await failure(run());
          expect({ call, bad, error }).toEqual({ call, bad, error: expect.any(StorageError) });
          expect({ call, bad, kind: (error as StorageError).kind }).toEqual({ call, bad, kind: 'permanent' });
        }
      }
      for (const bad of ['/abs/', 'a//', '../', 'a/./']) {
        const error = await failure(keysOf(backend.list(bad)));
        expect({ bad, kind: (error as StorageError).kind }).toEqual({ bad, kind: 'permanent' });
      }
    });

    it('never puts credentials in error messages', () => {
      expect(errors.length).toBeGreaterThan(5);
      for (const error of errors) {
        const text = `${(error as Error).message} ${JSON.stringify(error)}`;
        for (const secret of target.secrets ?? []) expect(text).not.toContain(secret);
      }
    });
  });
}
