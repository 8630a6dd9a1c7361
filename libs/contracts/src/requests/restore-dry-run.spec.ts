import { restoreProtocol } from '../protocols/restore.protocol';
import { parseOperationRequest, RequestValidationError } from './registry';
import { RestoreRequest } from './backup-restore';

const restore = (fields: Record<string, unknown>) => ({
  type: 'restore',
  storageLocation: 's3://bucket',
  snapshotTag: 'nightly',
  ...fields,
});

function refusedFields(body: unknown): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  return [];
}

describe('restore dryRun', () => {
  it('a dry run (also "true" as a string) runs only PLAN, global or on one node', () => {
    for (const body of [restore({ dryRun: true, globalRequest: true }), restore({ dryRun: 'true', restorationPhase: 'INIT' })]) {
      const request = parseOperationRequest(body) as RestoreRequest;
      expect(request.dryRun).toBe(true);
      expect(restoreProtocol.sequence(request)).toEqual(['PLAN']);
    }
    expect(restoreProtocol.sequence(parseOperationRequest(restore({ dryRun: false, globalRequest: true })) as RestoreRequest)).toEqual([
      'INIT',
      'DOWNLOAD',
      'TRUNCATE',
      'IMPORT',
      'CLEANUP',
    ]);
  });

  it('plans an IN_PLACE restore too (its own phase replaced by PLAN)', () => {
    const request = parseOperationRequest(
      restore({ dryRun: true, restorationStrategyType: 'IN_PLACE', hostId: '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d' }),
    ) as RestoreRequest;
    expect(restoreProtocol.sequence(request)).toEqual(['PLAN']);
  });

  it('refuses what it cannot plan, naming dryRun', () => {
    expect(refusedFields(restore({ dryRun: 'maybe' }))).toEqual(['dryRun']);
    expect(refusedFields(restore({ dryRun: true, globalRequest: true, singlePhase: true, restorationPhase: 'DOWNLOAD' }))).toEqual([
      'dryRun',
    ]);
    expect(refusedFields(restore({ dryRun: true, restorationPhase: 'IMPORT' }))).toEqual(['dryRun']);
  });
});
