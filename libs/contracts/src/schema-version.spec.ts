import { assertSupportedSchemaVersion, SCHEMA_VERSION, UnsupportedSchemaVersionError } from './schema-version';

describe('schemaVersion', () => {
  it('accepts the current version and any minor of major 1', () => {
    expect(() => assertSupportedSchemaVersion(SCHEMA_VERSION)).not.toThrow();
    expect(() => assertSupportedSchemaVersion('1.7')).not.toThrow();
  });

  it.each([['2.0'], ['0.9'], ['1'], ['v1.0'], [1], [undefined], [null]])('rejects %p', (version) => {
    expect(() => assertSupportedSchemaVersion(version)).toThrow(UnsupportedSchemaVersionError);
  });
});
