/**
 * Every message carries `schemaVersion` ("major.minor"). Minor versions only add optional fields, so a
 * consumer accepts any minor of a major it knows and rejects other majors (they are dead-lettered).
 */
export const SCHEMA_VERSION = '1.0';
const SUPPORTED_MAJOR = 1;

export class UnsupportedSchemaVersionError extends Error {
  constructor(readonly received: unknown) {
    super(`unsupported schemaVersion ${JSON.stringify(received)}: this build understands ${SUPPORTED_MAJOR}.x`);
    this.name = 'UnsupportedSchemaVersionError';
  }
}

export function assertSupportedSchemaVersion(version: unknown): void {
  if (typeof version !== 'string') throw new UnsupportedSchemaVersionError(version);
  const match = /^(\d+)\.(\d+)$/.exec(version);
  if (!match || Number(match[1]) !== SUPPORTED_MAJOR) throw new UnsupportedSchemaVersionError(version);
}
