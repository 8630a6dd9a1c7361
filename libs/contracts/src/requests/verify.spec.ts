import { parseOperationRequest, RequestValidationError } from './registry';
import { VerifyRequest } from './verify';

const base = { type: 'verify', storageLocation: 's3://bucket/test', backupName: 'nightly-1' };

function refusal(body: Record<string, unknown>): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  throw new Error('accepted');
}

describe('VerifyRequest', () => {
  it('accepts a quick or full verify of one backup or of all, with limits for a full one', () => {
    expect(parseOperationRequest(base)).toBeInstanceOf(VerifyRequest);
    const full = parseOperationRequest({
      ...base,
      mode: 'FULL',
      bandwidth: { value: 10, unit: 'MBPS' },
      concurrentConnections: 4,
      globalRequest: true,
    }) as VerifyRequest;
    expect(full).toMatchObject({ mode: 'full', bandwidth: { value: 10, unit: 'MBPS' }, concurrentConnections: 4 });
    expect(parseOperationRequest({ type: 'verify', storageLocation: 's3://bucket', allBackups: true })).toMatchObject({ allBackups: true });
    expect(parseOperationRequest({ ...base, deleteOrphans: true })).toMatchObject({ deleteOrphans: true });
  });

  it('refuses, naming the field, what it would not do', () => {
    expect(refusal({ ...base, deleteOrphans: 'maybe' })).toEqual(['deleteOrphans']);
    expect(refusal({ ...base, bandwidth: { value: 1, unit: 'MBPS' } })).toEqual(['bandwidth']);
    expect(refusal({ ...base, mode: 'deep' })).toEqual(['mode']);
    expect(refusal({ type: 'verify', storageLocation: 's3://bucket' })).toEqual(['backupName']);
    expect(refusal({ ...base, allBackups: true })).toEqual(['allBackups']);
    expect(refusal({ ...base, createMissingBucket: true })).toEqual(['createMissingBucket']);
    expect(refusal({ ...base, kmsKeyId: 'arn:aws:kms:key' })).toEqual(['kmsKeyId']);
    expect(refusal({ ...base, backupName: '../x' })).toEqual(['backupName']);
    expect(refusal({ ...base, snapshotTag: 'x' })).toEqual(['snapshotTag']);
  });
});
