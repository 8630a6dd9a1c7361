import {
  foldRestoreLedger,
  ledgerFactsOfResult,
  NodeEventMessage,
  OperationRecord,
  RESTORE_LEDGER_PHASE,
  RestoreLedger,
  RestoreLedgerFact,
} from '@daedalus/contracts';

/**
 * A restore's ledger (`restoreLedger`: what was truncated, what each node imported) is written by the
 * coordinators alone. An agent reports each table it truncated or imported in a progress event of its own
 * (`ledger`, signed with the key when one is configured, on its own subject: the handler checked both, and that
 * the record names the node) and waits for JetStream to store it before going on; its completed TRUNCATE or
 * IMPORT result lists the same tables again. Folding is by compare-and-set and idempotent, and accepted whatever
 * phase or run the record is in now: a node that truncated did truncate, even if the event is handled late.
 */

/** Why this event's ledger fact is not one its node may report here, or undefined. */
export function ledgerFactRefusal(record: OperationRecord, event: NodeEventMessage): string | undefined {
  const fact = event.ledger;
  if (!fact) return undefined;
  if (record.type !== 'restore') return `operation ${record.id} is a ${record.type}, which keeps no restore ledger`;
  if (event.kind !== 'progress') return `a ledger fact travels in a progress event, not a ${event.kind} one`;
  const phase = RESTORE_LEDGER_PHASE[fact.done];
  if (event.phase !== phase) return `a table is ${fact.done} in phase ${phase}, not ${event.phase ?? '(none)'}`;
  return undefined;
}

/** The record's ledger with what this event reports folded in, or undefined when it reports nothing new. */
export function withLedgerFacts(record: OperationRecord, event: NodeEventMessage): RestoreLedger | undefined {
  if (record.type !== 'restore') return undefined;
  const facts: RestoreLedgerFact[] = [
    ...(event.ledger ? [{ done: event.ledger.done, table: event.ledger.table }] : []),
    ...(event.kind === 'completed' ? ledgerFactsOfResult(event.phase, event.result) : []),
  ];
  return facts.length > 0 ? foldRestoreLedger(record.restoreLedger, event.hostId, facts) : undefined;
}
