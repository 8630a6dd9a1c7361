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

  it('refuses what it cannot plan, naming dryRun', () => {
    expect(refusedFields(restore({ dryRun: 'maybe' }))).toEqual(['dryRun']);
    expect(refusedFields(restore({ dryRun: true, restorationStrategyType: 'IN_PLACE' }))).toEqual(['dryRun']);
    expect(refusedFields(restore({ dryRun: true, globalRequest: true, singlePhase: true, restorationPhase: 'DOWNLOAD' }))).toEqual([
      'dryRun',
    ]);
    expect(refusedFields(restore({ dryRun: true, restorationPhase: 'IMPORT' }))).toEqual(['dryRun']);
  });
});
