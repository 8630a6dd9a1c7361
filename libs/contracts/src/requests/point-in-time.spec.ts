import { restoreProtocol } from '../protocols/restore.protocol';
import { RestoreRequest } from './backup-restore';
import { parseOperationRequest, RequestValidationError } from './registry';

const base = {
  type: 'restore',
  storageLocation: 's3://bucket/test',
  globalRequest: true,
  restorationStrategyType: 'IN_PLACE',
  pointInTime: '2026-11-30T17:04:05Z',
};

function refusal(body: Record<string, unknown>): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  throw new Error('accepted');
}

describe('RestoreRequest with pointInTime', () => {
  it('needs no snapshotTag and runs PITR_PLAN → IN_PLACE → COMMITLOG; without it a restore is as before', () => {
    const request = parseOperationRequest(base) as RestoreRequest;
    expect(request.pointInTime).toBe(base.pointInTime);
    expect(restoreProtocol.sequence(request)).toEqual(['PITR_PLAN', 'IN_PLACE', 'COMMITLOG']);
    expect(parseOperationRequest({ ...base, pointInTime: '2026-11-30T18:04:05.000+01:00' })).toBeInstanceOf(RestoreRequest);
    const plain = parseOperationRequest({ ...base, pointInTime: undefined, snapshotTag: 'nightly' }) as RestoreRequest;
    expect(restoreProtocol.sequence(plain)).toEqual(['IN_PLACE']);
    expect(refusal({ ...base, pointInTime: undefined })).toEqual(['snapshotTag']);
  });

  it('plans only, PITR_PLAN on every node, with dryRun (the plan names the backup and segments per node)', () => {
    const request = parseOperationRequest({ ...base, dryRun: true }) as RestoreRequest;
    expect(request.dryRun).toBe(true);
    expect(restoreProtocol.sequence(request)).toEqual(['PITR_PLAN']);
  });

  it('refuses, naming the field, a time without a zone or with a fraction of a second, another strategy, and fields it would ignore', () => {
    expect(refusal({ ...base, pointInTime: '2026-11-30T17:04:05' })).toContain('pointInTime');
    expect(refusal({ ...base, pointInTime: '2026-13-45T17:04:05Z' })).toEqual(['pointInTime']);
    expect(refusal({ ...base, pointInTime: '2026-11-30T17:04:05.500Z' })).toEqual(['pointInTime']);
    expect(refusal({ ...base, restorationStrategyType: 'IMPORT' })).toEqual(['restorationStrategyType']);
    expect(refusal({ ...base, restorationStrategyType: undefined })).toEqual(['restorationStrategyType']);
    expect(refusal({ ...base, snapshotTag: 'nightly' })).toEqual(['snapshotTag']);
    expect(refusal({ ...base, entities: 'ks1' })).toEqual(['entities']);
    expect(refusal({ ...base, rename: { 'ks.a': 'ks.b' } })).toEqual(['rename']);
    expect(refusal({ ...base, restorationPhase: 'INIT' })).toEqual(['restorationPhase']);
    expect(refusal({ ...base, resolveHostIdFromTopology: true })).toEqual(['resolveHostIdFromTopology']);
  });
});
