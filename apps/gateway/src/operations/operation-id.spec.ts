import { isUUID } from 'class-validator';
import { operationIdForKey } from './operation-id';

describe('operationIdForKey', () => {
  it('keeps a UUID key as the id', () => {
    expect(operationIdForKey('3F2504E0-4F89-41D3-9A0C-0305E82C3301')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  });

  it('derives a stable, valid UUID from any other key', () => {
    const id = operationIdForKey('nightly-backup-2026-11-21');
    expect(isUUID(id)).toBe(true);
    expect(operationIdForKey('nightly-backup-2026-11-21')).toBe(id);
    expect(operationIdForKey('nightly-backup-2026-11-22')).not.toBe(id);
  });
});
