import { Inject, Injectable } from '@nestjs/common';
import { emptyRestoreLedger, OperationRecord, RestoreLedger as RestoreLedgerState } from '@daedalus/contracts';
import { OperationStore, UntrustedRecordError } from '@daedalus/messaging';

function ledgerOf(record: OperationRecord): RestoreLedgerState {
  return { truncated: record.restoreLedger?.truncated ?? [], imported: record.restoreLedger?.imported ?? {} };
}

export type TruncateClaim = 'truncate' | 'already-truncated' | 'phase-left';

/**
 * What a restore has done that must never be done twice, as the coordinators keep it in the operation record
 * (`restoreLedger`): the tables truncated (cluster-wide, once per operation) and the tables each node imported.
 * The agent only reads it. It reports what it truncated or imported in its own signed events
 * (`ExecutionContext.reportLedger`, stored by JetStream before it goes on), and the coordinators fold those
 * into the record: an agent never writes an operation record (its NATS identity may not).
 */
@Injectable()
export class RestoreLedger {
  private readonly operations: Pick<OperationStore, 'getTrusted'>;

  // the agent's is the KV store; the CLI's local mode keeps the ledger of its one in-process restore instead
  constructor(@Inject(OperationStore) operations: Pick<OperationStore, 'getTrusted'>) {
    this.operations = operations;
  }

  async state(operationId: string): Promise<RestoreLedgerState> {
    const record = await this.trusted(operationId);
    return record ? ledgerOf(record) : emptyRestoreLedger();
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
   * May `table` be truncated now? Only while the coordinator-written phase is TRUNCATE, and not when the
   * coordinators' ledger already lists it — so a late or repeated command can never truncate data that IMPORT
   * already brought back.
   *
   * A table this agent truncated but whose fact the coordinators have not folded yet is truncated again if the
   * phase runs again (a redelivered command): harmless, because IMPORT has not started. The phase cannot leave
   * TRUNCATE before this node's `completed` event, which it sends only after every fact was stored by JetStream,
   * and IMPORT starts only when it has; a truncate of a table that holds nothing new removes nothing.
   */
  async mayTruncate(operationId: string, table: string): Promise<TruncateClaim> {
    const record = await this.trusted(operationId);
    if (!record || record.phase !== 'TRUNCATE') return 'phase-left';
    return ledgerOf(record).truncated.includes(table) ? 'already-truncated' : 'truncate';
  }
}
