import { isUUID } from 'class-validator';
import { derivedOperationId } from '@daedalus/contracts';
import { notFound } from '../http/bad-request';

/**
 * The operation id for an Idempotency-Key: the key itself when it is a UUID, else a UUID derived from it
 * (SHA-256, laid out as a version-8 "custom" UUID), so the same key always names the same operation.
 */
export function operationIdForKey(key: string): string {
  if (isUUID(key)) return key.toLowerCase();
  return derivedOperationId(`daedalus-idempotency:${key}`);
}

/** An `{id}` path parameter: not a UUID is an unknown operation (404); any case finds it (ids are stored in lower case). */
export function operationIdParam(id: string): string {
  if (!isUUID(id)) throw notFound('id', `operation ${JSON.stringify(id.slice(0, 64))} does not exist`);
  return id.toLowerCase();
}
