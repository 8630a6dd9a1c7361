import { parseOperationRequest, RequestValidationError } from './index';

const fieldsOf = (body: Record<string, unknown>): string[] => {
  try {
    parseOperationRequest({ type: 'backup', storageLocation: 's3://bucket', ...body });
    return [];
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors.map((e) => e.field);
    throw error;
  }
};

describe('backup consistency (pause hooks)', () => {
  it('a global backup may name hooks', () => {
    expect(fieldsOf({ globalRequest: true, consistency: { pauseHooks: ['app', 'cache-1'] } })).toEqual([]);
  });

  it('a local backup with consistency is refused, naming the field', () => {
    expect(fieldsOf({ consistency: { pauseHooks: ['app'] } })).toEqual(['consistency']);
  });

  it.each([
    ['no hooks', { pauseHooks: [] }],
    ['a URL instead of a name', { pauseHooks: ['http://evil/pause'] }],
    ['not a list', { pauseHooks: 'app' }],
    ['not an object', 'app'],
  ])('refuses %s, naming consistency', (_what, consistency) => {
    const fields = fieldsOf({ globalRequest: true, consistency });
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.every((f) => f.startsWith('consistency'))).toBe(true);
  });
});
