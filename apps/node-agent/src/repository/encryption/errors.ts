/** An encrypted object that cannot be read back: not of this format, cut short, reordered or changed. */
export class EncryptedObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptedObjectError';
  }
}

/** The object (or backup) was encrypted with another key than this agent's, or the agent has none. */
export class EncryptionKeyMismatchError extends EncryptedObjectError {
  constructor(
    readonly expectedKeyId: string,
    readonly agentKeyId: string | undefined,
    what: string,
  ) {
    super(
      agentKeyId === undefined
        ? `${what} is encrypted with key ${expectedKeyId}, and this agent has no encryption key (--encryption-key-file or DAEDALUS_ENCRYPTION_KEY)`
        : `${what} is encrypted with key ${expectedKeyId}, not with this agent's key ${agentKeyId}: key fingerprint mismatch`,
    );
    this.name = 'EncryptionKeyMismatchError';
  }
}
