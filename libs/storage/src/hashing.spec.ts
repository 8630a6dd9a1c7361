import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IntegrityError } from './errors';
import { sha256Hex, VerifyingStream } from './hashing';

async function run(data: Buffer[], expected?: { size?: number; sha256?: string }): Promise<VerifyingStream> {
  const verify = new VerifyingStream(expected, { provider: 'test', key: 'k' });
  await pipeline(Readable.from(data), verify, async (source) => {
    for await (const _chunk of source) {
      // drain
    }
  });
  return verify;
}

describe('VerifyingStream', () => {
  const data = [Buffer.from('hello '), Buffer.from('world')];
  const digest = sha256Hex('hello world');

  it('hashes and counts what passes through', async () => {
    const verify = await run(data);
    expect(verify.byteCount).toBe(11);
    expect(verify.digestHex).toBe(digest);
  });

  it('accepts matching content and rejects a wrong hash or size with IntegrityError', async () => {
    await expect(run(data, { size: 11, sha256: digest })).resolves.toBeDefined();
    await expect(run(data, { sha256: sha256Hex('other') })).rejects.toBeInstanceOf(IntegrityError);
    await expect(run(data, { size: 12 })).rejects.toThrow(/got 11 bytes, expected 12/);
  });

  it('fails as soon as more bytes than expected arrive', async () => {
    const error = await run(data, { size: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).actual.size).toBe(6);
  });

  it('rejects an expected hash that is not sha256 hex', () => {
    expect(() => new VerifyingStream({ sha256: 'ABC' }, { provider: 'test' })).toThrow(IntegrityError);
  });
});
