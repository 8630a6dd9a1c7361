import { uuidFromText } from '@daedalus/contracts';
import { isUUID } from 'class-validator';

/**
 * The operation id for an Idempotency-Key: the key itself when it is a UUID, else a UUID derived from it
 * (SHA-256, laid out as a version-8 "custom" UUID), so the same key always names the same operation.
 */
export function operationIdForKey(key: string): string {
  if (isUUID(key)) return key.toLowerCase();
  return uuidFromText(`daedalus-idempotency:${key}`);
}
