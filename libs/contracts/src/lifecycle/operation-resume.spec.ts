import { plainToInstance } from 'class-transformer';
import { newOperationRecord, OperationRecord } from '../operation-record';
import { isRestorePastTruncate, resumeRefusal, resumeRequest } from './operation-resume';
import { OperationState } from './operation-state';
import { FlushRequest, RestoreRequest } from '../requests/index';

const ID = '6f1c2c9a-3d4e-4b5a-9c8d-7e6f5a4b3c2d';
const node = { hostId: 'h1', address: '10.0.0.1', dc: 'dc1', state: OperationState.FAILED, progress: 0 };

function restore(fields: Partial<RestoreRequest>, record: Partial<OperationRecord>): OperationRecord {
  const request = plainToInstance(RestoreRequest, {
    type: 'restore',
    storageLocation: 's3://b',
    snapshotTag: 't',
    globalRequest: true,
    ...fields,
  });
  return { ...newOperationRecord(ID, request, new Date(0), '1.0'), state: OperationState.FAILED, nodes: { h1: node }, ...record };
}

describe('which operations a resume applies to', () => {
  it('names the request that resumes', () => {
    expect(resumeRequest(ID)).toBe(`POST /operations/${ID}/resume`);
  });

  it.each(['TRUNCATE', 'IMPORT', 'CLEANUP'])('resumes a global restore that failed in %s', (phase) => {
    expect(resumeRefusal(restore({}, { phase }))).toBeUndefined();
    expect(resumeRefusal(restore({ restorationStrategyType: 'HARDLINKS' }, { phase }))).toBeUndefined();
  });

  it('counts a restore with truncated tables in its ledger as past TRUNCATE, whatever its phase says', () => {
    const record = restore({}, { phase: 'DOWNLOAD', restoreLedger: { truncated: ['ks.t'], imported: {} } });
    expect(isRestorePastTruncate(record)).toBe(true);
    expect(resumeRefusal(record)).toBeUndefined();
  });

  it('refuses, saying why, everything else', () => {
    expect(resumeRefusal(restore({}, { phase: 'DOWNLOAD' }))).toMatch(/failed in phase DOWNLOAD, before TRUNCATE: nothing was truncated/);
    expect(resumeRefusal(restore({}, { phase: 'IMPORT', state: OperationState.COMPLETED }))).toMatch(
      /is COMPLETED: only a FAILED operation/,
    );
    expect(resumeRefusal(restore({}, { phase: 'IMPORT', state: OperationState.CANCELLED }))).toMatch(/is CANCELLED/);
    expect(resumeRefusal(restore({ restorationStrategyType: 'IN_PLACE' }, { phase: 'IN_PLACE' }))).toMatch(/IN_PLACE/);
    expect(resumeRefusal(restore({ globalRequest: false, restorationPhase: 'IMPORT' }, { phase: 'IMPORT' }))).toMatch(/node-local restore/);
    const flush = {
      ...newOperationRecord(ID, plainToInstance(FlushRequest, { type: 'flush', keyspace: 'ks' }), new Date(0), '1.0'),
      state: OperationState.FAILED,
    };
    expect(resumeRefusal(flush)).toMatch(/is a flush: only a restore/);
  });
});
