import { OperationRecord } from '@daedalus/contracts';
import { FatalError } from '../errors';
import { SigningKey } from './signing-key';

/** Fields only a coordinator writes (or an agent, for the ledger): a record holding any of them drives node work. */
const COORDINATOR_FIELDS = ['nodes', 'phases', 'phase', 'context', 'phaseResults', 'restoreLedger', 'resumeCount'] as const;

/** A stored record the services must not act on: dead-lettered with the reason, the record left as it is. */
export class UntrustedRecordError extends FatalError {}

function withoutSeal(record: OperationRecord): Omit<OperationRecord, 'seal'> {
  const { seal: _seal, ...rest } = record;
  return rest;
}

/**
 * Seals the records a service holding the signing key writes, and tells which stored records to trust. A seal
 * names the KV revision its write landed at (the store pins it, see `MutateOptions.pinRevision`), so an older
 * copy of a true record written back by another client is refused as well as a record made up. Without a key
 * nothing is sealed and every record is trusted (the structural checks of the handlers still apply).
 *
 * The gateway creates records without a key: a record that was never sealed is trusted only while it holds no
 * coordinator field (a PENDING record, or one the gateway failed before any coordinator took it up).
 */
export class RecordSealer {
  constructor(private readonly key?: SigningKey) {}

  /** Updates must land at a known revision for their seal to name it. */
  get pinsRevision(): boolean {
    return this.key !== undefined;
  }

  seal(record: OperationRecord, revision: number | undefined): OperationRecord {
    if (!this.key) return record;
    if (revision === undefined) throw new Error('a sealed update needs its revision pinned');
    const bare = withoutSeal(record);
    return { ...bare, seal: { revision, mac: this.key.mac('record', { record: bare, revision }) } };
  }

  /** Why the record stored at `revision` must not be acted on, or undefined. */
  problem(record: OperationRecord, revision: number): string | undefined {
    if (!this.key) return undefined;
    const seal = record.seal;
    if (!seal) {
      const owned = COORDINATOR_FIELDS.filter((field) => record[field] !== undefined);
      return owned.length === 0 ? undefined : `its ${owned.join(', ')} were written without a seal (not by a coordinator)`;
    }
    if (!this.key.verifies('record', { record: withoutSeal(record), revision: seal.revision }, seal.mac)) {
      return 'its seal does not verify (not written by a service holding the signing key)';
    }
    if (seal.revision !== revision) {
      return `it was sealed for revision ${seal.revision} but stored at revision ${revision} (an older copy written back)`;
    }
    return undefined;
  }
}
