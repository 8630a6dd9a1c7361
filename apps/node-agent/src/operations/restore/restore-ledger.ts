import { Injectable } from '@nestjs/common';
import { OperationRecord, RestoreLedger as RestoreLedgerState } from '@daedalus/contracts';
import { OperationStore, UntrustedRecordError } from '@daedalus/messaging';

/**
 * What a restore has done that must never be done twice, kept in the operation record itself (its
 * `restoreLedger`, updated by compare-and-set): the tables truncated (cluster-wide, once per operation) and the
 * tables each node imported.
 */
function ledgerOf(record: OperationRecord): RestoreLedgerState {
  return { truncated: record.restoreLedger?.truncated ?? [], imported: record.restoreLedger?.imported ?? {} };
}

function withLedger(record: OperationRecord, ledger: RestoreLedgerState): OperationRecord {
  return { ...record, restoreLedger: ledger };
}

export type TruncateClaim = 'truncate' | 'already-truncated' | 'phase-left';

@Injectable()
export class RestoreLedger {
  constructor(private readonly operations: OperationStore) {}

  async state(operationId: string): Promise<RestoreLedgerState> {
    const record = await this.trusted(operationId);
    return record ? ledgerOf(record) : { truncated: [], imported: {} };
  }

  /**
   * The record as the services holding the signing key wrote it (with a key configured): a ledger or phase
   * written by any other client is refused, never obeyed.
   */
  private async trusted(operationId: string): Promise<OperationRecord | undefined> {
    const { record, problem } = await this.operations.getTrusted(operationId);
    if (problem) throw new UntrustedRecordError(problem);
    return record;
  }

  /**
   * May `table` be truncated now? Only while the operation is in its TRUNCATE phase and the table was not
   * truncated yet — so a late or repeated command can never truncate data that IMPORT already brought back.
   */
  async mayTruncate(operationId: string, table: string): Promise<TruncateClaim> {
    const record = await this.trusted(operationId);
    if (!record || record.phase !== 'TRUNCATE') return 'phase-left';
    return ledgerOf(record).truncated.includes(table) ? 'already-truncated' : 'truncate';
  }

  async markTruncated(operationId: string, table: string): Promise<void> {
    await this.operations.mutate(operationId, (record) => {
      const ledger = ledgerOf(record);
      if (ledger.truncated.includes(table)) return undefined;
      return withLedger(record, { ...ledger, truncated: [...ledger.truncated, table] });
    });
  }

  async markImported(operationId: string, hostId: string, table: string): Promise<void> {
    await this.operations.mutate(operationId, (record) => {
      const ledger = ledgerOf(record);
      const done = ledger.imported[hostId] ?? [];
      if (done.includes(table)) return undefined;
      return withLedger(record, { ...ledger, imported: { ...ledger.imported, [hostId]: [...done, table] } });
    });
  }
}
