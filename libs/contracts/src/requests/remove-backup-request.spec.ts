import { parseOperationRequest, RequestValidationError } from './registry';
import { RemoveBackupRequest } from './backup-restore';

function fieldsRejected(body: unknown): string[] {
  try {
    parseOperationRequest(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('RemoveBackupRequest', () => {
  const base = { type: 'remove-backup', storageLocation: 's3://bucket', globalRequest: true };

  it.each([
    [{ backupName: 'nightly-1' }],
    [{ removeOldest: true }],
    [{ olderThan: '3 days' }],
    [{ retention: { keepLast: 2 } }],
    [{ backupName: 'nightly-1', dry: true, resolveNodes: false, skipDownload: false, timeout: 2 }],
  ])('accepts exactly one selector: %p', (fields) => {
    expect(parseOperationRequest({ ...base, ...fields })).toBeInstanceOf(RemoveBackupRequest);
  });

  it.each([
    [{}, ['backupName|removeOldest|olderThan|retention']],
    [{ removeOldest: false }, ['backupName|removeOldest|olderThan|retention']],
    [{ backupName: 'a', removeOldest: true }, ['backupName|removeOldest']],
    [{ olderThan: '3 days', retention: { keepLast: 1 } }, ['olderThan|retention']],
  ])('refuses %p, naming the selectors', (fields, names) => {
    expect(fieldsRejected({ ...base, ...fields })).toEqual(names);
  });

  it.each([
    [{ backupName: 'a', resolveNodes: true }, 'resolveNodes'],
    [{ backupName: 'a', cacheDir: '/tmp/cache' }, 'cacheDir'],
    [{ backupName: 'a', skipDownload: true }, 'skipDownload'],
    [{ olderThan: '3 fortnights' }, 'olderThan'],
    [{ retention: {} }, 'retention'],
    [{ retention: { keepLast: 0 } }, 'retention.keepLast'],
    [{ retention: { keepLast: 2, keepWithin: 'soon' } }, 'retention.keepWithin'],
    [{ retention: { keepLast: 2, incompleteGrace: 'PT10M' } }, 'retention.incompleteGrace'],
    [{ retention: { keepDaily: -1 } }, 'retention.keepDaily'],
    [{ retention: { keepLast: 2, keepHourly: 3 } }, 'retention.keepHourly'],
    [{ backupName: '../x' }, 'backupName'],
  ])('refuses %p naming %s', (fields, field) => {
    expect(fieldsRejected({ ...base, ...fields })).toContain(field);
  });
});
