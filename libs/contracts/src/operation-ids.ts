import { createHash } from 'node:crypto';

/**
 * An operation id derived from a seed: SHA-256 of it laid out as a version-8 ("custom") UUID, so the same seed
 * always names the same operation (a repeated submission finds the record it made, create-only).
 */
export function derivedOperationId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The `remove-backup` a coordinator submits to apply retention after the global backup `backupOperationId` completed. */
export const retentionOperationId = (backupOperationId: string): string => derivedOperationId(`daedalus-retention:${backupOperationId}`);
