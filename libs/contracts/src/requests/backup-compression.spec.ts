import { parseOperationRequest, RequestValidationError } from './registry';
import { BackupRequest } from './backup-restore';

const base = { type: 'backup', storageLocation: 's3://bucket/test', snapshotTag: 'nightly' };

function refusal(body: Record<string, unknown>): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  throw new Error('accepted');
}

describe('BackupRequest compression', () => {
  it('takes "zstd" (any case) with an optional level, or "none"; absent means none', () => {
    expect(parseOperationRequest({ ...base, compression: 'ZSTD', compressionLevel: '6' })).toMatchObject({
      compression: 'zstd',
      compressionLevel: 6,
    });
    expect(parseOperationRequest({ ...base, compression: 'none' })).toMatchObject({ compression: 'none' });
    const plain = parseOperationRequest(base) as BackupRequest;
    expect(plain.compression).toBeUndefined();
  });

  it('refuses, naming the field, an unknown format, a level out of 1–9 and a level without zstd', () => {
    expect(refusal({ ...base, compression: 'gzip' })).toEqual(['compression']);
    expect(refusal({ ...base, compression: true })).toEqual(['compression']);
    expect(refusal({ ...base, compression: 'zstd', compressionLevel: 0 })).toEqual(['compressionLevel']);
    expect(refusal({ ...base, compression: 'zstd', compressionLevel: 10 })).toEqual(['compressionLevel']);
    expect(refusal({ ...base, compression: 'zstd', compressionLevel: 2.5 })).toEqual(['compressionLevel']);
    expect(refusal({ ...base, compressionLevel: 3 })).toEqual(['compressionLevel']);
    expect(refusal({ ...base, compression: 'none', compressionLevel: 3 })).toEqual(['compressionLevel']);
  });
});
