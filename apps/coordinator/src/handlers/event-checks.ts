import { NodeEventMessage, OperationRecord, OperationState, Subjects } from '@daedalus/contracts';

/**
 * Why an event is not one its node may send here, or undefined: events are accepted only from the node whose
 * subject they arrive on (`daedalus.events.<operationId>.<hostId>`, the subject an agent's credentials let it
 * publish on), and that is what the payload must say too.
 */
export function subjectRefusal(event: NodeEventMessage, subject: string): string | undefined {
  let expected: string;
  try {
    expected = Subjects.eventsFor(event.operationId, event.hostId);
  } catch {
    return `event names host ${JSON.stringify(event.hostId)}, which is no subject token`;
  }
  return subject === expected ? undefined : `event of ${event.operationId}/${event.hostId} arrived on ${subject}`;
}

/**
 * Why the record says this node owes no such event, or undefined. Refused (dead-lettered, the record left as it
 * is): an operation not started, a node it does not name, a phase it does not have. Not refused, only changing
 * nothing (`applyNodeEvent` decides): an event of a phase or run already left, a repeat after the node's result.
 */
export function workRefusal(record: OperationRecord, event: NodeEventMessage): string | undefined {
  const at = `operation ${record.id}`;
  if (record.state === OperationState.PENDING || !record.nodes) return `${at} has not started: no node owes it anything`;
  if (!Object.hasOwn(record.nodes, event.hostId)) return `${at} does not name node ${event.hostId}`;
  const phases = record.phases ?? [];
  if (event.phase !== undefined && !phases.includes(event.phase)) return `${at} has no phase ${event.phase}`;
  if (event.phase === undefined && phases.length > 0) return `${at} runs in phases; the event names none`;
  return undefined;
}

/** An event answering a command of an earlier run (before a resume) of the operation: stale, it changes nothing. */
export function isOfEarlierRun(record: OperationRecord, event: NodeEventMessage): boolean {
  return event.resume !== undefined && event.resume !== (record.resumeCount ?? 0);
}
