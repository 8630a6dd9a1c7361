import {
  applyToNode,
  isNodeFinished,
  NodeEventMessage,
  NodeProgress,
  OperationRecord,
  OperationState,
  overallProgress,
  takesTurns,
} from '@daedalus/contracts';
import type { InputOutcome } from '@daedalus/messaging';
import { planFor } from '../plans/plans';
import { withMissingRequestDigests } from '../plans/request-digests';
import { isOfEarlierRun, workRefusal } from './event-checks';
import { withLedgerFacts } from './restore-ledger-folding';

/** One event applied to a record by the handler's own rules (refusals throw); undefined when it changes nothing. */
export type ApplyEvent = (record: OperationRecord, event: NodeEventMessage) => OperationRecord | undefined;

/**
 * The node states that certainly leave the phase open. A result while no other node is in one of them takes the
 * full path, whatever other states (WAITING, or states added later) mean for ending the phase.
 */
const ACTIVE: ReadonlySet<string> = new Set([OperationState.PENDING, OperationState.RUNNING]);

/** Kinds whose effect on a node entry is `applyToNode`'s alone (a kind added later takes the full path). */
const PLAIN_KINDS: ReadonlySet<string> = new Set(['started', 'progress', 'completed', 'failed', 'cancelled']);

/**
 * The node events of one operation that a coordinator handles at once, folded into the record for one
 * compare-and-set write (see GroupedMutations). The result is the one `applyEvent` gives applied to each event
 * in turn; what differs is the cost: applying one event copies the record's node map (O(nodes): ~2 ms at 1,000
 * nodes), so the plain events — a node's progress or result that neither ends the phase nor frees a turn — update
 * one private copy of the map in place, and the overall progress is computed once. Any other event (the last
 * result of a phase, a turn freed, a ledger fact, a refusal, an earlier run's event, a record not RUNNING) goes
 * through `applyEvent` itself. Each event's outcome is the record right after it (its node map may show later
 * events' entries too: the same group's, written together) or its error alone.
 */
export function foldNodeEvents(
  record: OperationRecord,
  events: NodeEventMessage[],
  now: Date,
  applyEvent: ApplyEvent,
): { value: OperationRecord | undefined; outcomes: Array<InputOutcome<OperationRecord>> } {
  const outcomes: Array<InputOutcome<OperationRecord>> = [];
  let current = record;
  let changed = false;
  /** this fold's own copy of `current.nodes` (undefined: `current.nodes` may be shared, copy before writing) */
  let owned: Record<string, NodeProgress> | undefined;
  /** nodes of `owned` still PENDING or RUNNING: a result ends nothing while another of them is left */
  let active = 0;
  /** node entries changed in place since the progress was last computed */
  let stale = false;
  const withProgress = (r: OperationRecord): OperationRecord => ({
    ...r,
    progress: overallProgress(Object.values(r.nodes ?? {}), planFor(r.type).phases(r), r.phase),
  });

  for (const event of events) {
    try {
      const entry = plainEntry(current, event, now);
      if (entry === 'unchanged') {
        outcomes.push({ value: current });
        continue;
      }
      if (entry) {
        if (!owned) {
          owned = { ...current.nodes };
          current = { ...current, nodes: owned };
          active = Object.values(owned).filter((n) => ACTIVE.has(n.state)).length;
        }
        const finishes = isNodeFinished(entry.state);
        if (!finishes || active > 1) {
          owned[event.hostId] = entry;
          if (finishes) active -= 1;
          stale = true;
          changed = true;
          outcomes.push({ value: current });
          continue;
        }
      }
      // the full path: the record as the plain events left it, then the handler's own rules
      if (stale) current = withProgress(current);
      stale = false;
      const next = applyEvent(current, event);
      if (next !== undefined) {
        current = next;
        changed = true;
      }
      owned = undefined;
      outcomes.push({ value: current });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  if (stale) current = withProgress(current);
  return { value: changed ? withMissingRequestDigests(current) : undefined, outcomes };
}

/**
 * The node's new entry when the event is plain (see foldNodeEvents), 'unchanged' when it is plain and changes
 * nothing (a repeat, a late event), undefined when it must take the full path.
 */
function plainEntry(record: OperationRecord, event: NodeEventMessage, now: Date): NodeProgress | 'unchanged' | undefined {
  if (!PLAIN_KINDS.has(event.kind) || event.ledger !== undefined) return undefined;
  if (record.state !== OperationState.RUNNING || !record.nodes || workRefusal(record, event) !== undefined) return undefined;
  if (isOfEarlierRun(record, event) || withLedgerFacts(record, event) !== undefined) return undefined;
  if ((event.phase ?? undefined) !== (record.phase ?? undefined)) return undefined;
  const step = planFor(record.type)
    .phases(record)
    .find((p) => p.name === record.phase);
  if (takesTurns(record, step)) return undefined;
  const node = record.nodes[event.hostId];
  if (isNodeFinished(node.state)) return 'unchanged'; // the first result wins
  if (!ACTIVE.has(node.state)) return undefined;
  return applyToNode(node, event, now) ?? 'unchanged';
}
