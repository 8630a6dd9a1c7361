import { ALL_OPERATION_STATES, FieldError, isOperationType, OperationRecord, OperationState } from '@daedalus/contracts';
import { badRequest } from '../http/bad-request';
import { listParam, QueryParams, rejectUnknownParams } from '../http/query';

/** Which records `GET /events` passes on: of any of `types` in any of `states` (an empty set: any). */
export interface EventFilter {
  types: ReadonlySet<string>;
  states: ReadonlySet<string>;
}

export const EVENT_FILTER_PARAMS = ['type', 'state'] as const;

/** `?type=backup,restore&state=COMPLETED` (repeated or comma-separated, as `GET /operations`); 400 naming the field. */
export function eventFilter(query: QueryParams): EventFilter {
  rejectUnknownParams(query, EVENT_FILTER_PARAMS);
  const types = listParam(query, 'type').map((t) => t.toLowerCase());
  const states = listParam(query, 'state').map((s) => s.toUpperCase());
  const errors: FieldError[] = [
    ...types
      .filter((t) => !isOperationType(t))
      .map((t) => ({ field: 'type', message: `type ${JSON.stringify(t.slice(0, 64))} is not an operation type` })),
    ...states
      .filter((s) => !ALL_OPERATION_STATES.includes(s as OperationState))
      .map(() => ({ field: 'state', message: `state must be one of ${ALL_OPERATION_STATES.join(', ')}` })),
  ];
  if (errors.length > 0) throw badRequest(errors);
  return { types: new Set(types), states: new Set(states) };
}

export function passes(filter: EventFilter, record: OperationRecord): boolean {
  return (filter.types.size === 0 || filter.types.has(record.type)) && (filter.states.size === 0 || filter.states.has(record.state));
}

/**
 * The `Last-Event-ID` header: the KV revision of the last event the client got (a whole number), or absent.
 * Anything else is a 400 naming the header, never a stream that silently starts elsewhere.
 */
export function lastEventId(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw badRequest([{ field: 'Last-Event-ID', message: 'Last-Event-ID must be the id of an event of this API (a whole number)' }]);
  }
  return Number(value.trim());
}
