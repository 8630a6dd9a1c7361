import { createHash } from 'node:crypto';
import { isUUID } from 'class-validator';
import { notFound } from '../http/bad-request';

/**
 * The operation id for an Idempotency-Key: the key itself when it is a UUID, else a UUID derived from it
 * (SHA-256, laid out as a version-8 "custom" UUID), so the same key always names the same operation.
 */
export function operationIdForKey(key: string): string {
  if (isUUID(key)) return key.toLowerCase();
  const hex = createHash('sha256').update(`daedalus-idempotency:${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An `{id}` path parameter: not a UUID is an unknown operation (404); any case finds it (ids are stored in lower case). */
export function operationIdParam(id: string): string {
  if (!isUUID(id)) throw notFound('id', `operation ${JSON.stringify(id.slice(0, 64))} does not exist`);
  return id.toLowerCase();
}
