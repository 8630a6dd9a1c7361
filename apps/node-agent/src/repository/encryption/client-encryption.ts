import { OperationRejectedError } from '../../operations/executor';
import { ManifestEncryption, NodeManifest } from '../manifest';
import { EncryptionKey } from './encryption-key';
import { EncryptionKeyMismatchError } from './errors';
import { DEFAULT_CHUNK_BYTES, ENCRYPTION_SCHEME } from './framing';

/**
 * The agent's client-side encryption (`--encryption-key-file`, `DAEDALUS_ENCRYPTION_KEY`): with a key, backups
 * seal their SSTable objects with it and restores open them; without one, backups are written in the clear and
 * an encrypted backup cannot be restored. Backups written in the clear restore either way.
 */
export class ClientEncryption {
  static readonly none = new ClientEncryption(undefined);

  constructor(readonly key: EncryptionKey | undefined) {}

  /** What a backup written now records in its manifest. */
  manifestEntry(): ManifestEncryption | undefined {
    return this.key ? { scheme: ENCRYPTION_SCHEME, keyId: this.key.id, chunkBytes: DEFAULT_CHUNK_BYTES } : undefined;
  }

  /**
   * Refuses, before anything is fetched or changed, a backup this agent cannot open: encrypted in a format it
   * does not know, or with another key than its own (or it has none). The message names both fingerprints.
   */
  requireKeyFor(manifest: NodeManifest, what: string): void {
    const encryption = manifest.encryption;
    if (!encryption) return;
    if (encryption.scheme !== ENCRYPTION_SCHEME) {
      throw new OperationRejectedError(`${what} is encrypted as ${String(encryption.scheme)}; this build reads ${ENCRYPTION_SCHEME}`);
    }
    if (this.key?.id !== encryption.keyId) {
      throw new OperationRejectedError(new EncryptionKeyMismatchError(String(encryption.keyId), this.key?.id, what).message);
    }
  }
}
