import { isUUID } from 'class-validator';
import { assertSupportedSchemaVersion, UnsupportedSchemaVersionError } from '@daedalus/contracts';
import { FatalError } from '@daedalus/messaging';

/** Untyped message bodies enter here: check the envelope, or dead-letter the message. */
export function checkEnvelope(data: unknown, what: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new FatalError(`${what} is not a JSON object`);
  const message = data as Record<string, unknown>;
  try {
    assertSupportedSchemaVersion(message.schemaVersion);
  } catch (error) {
    if (error instanceof UnsupportedSchemaVersionError) throw new FatalError(`${what}: ${error.message}`);
    throw error;
  }
  if (typeof message.operationId !== 'string' || !isUUID(message.operationId)) {
    throw new FatalError(`${what}: operationId must be a UUID`);
  }
  return message;
}
