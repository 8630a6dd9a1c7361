import { ScheduleView } from './api';

/**
 * The PUT body that suspends or resumes a schedule: its whole current definition (a PUT replaces it) with
 * `suspended` set. The id is the path's.
 */
export function suspensionBody(view: ScheduleView, suspended: boolean): Record<string, unknown> {
  return {
    request: view.request,
    schedule: view.schedule,
    timeZone: view.timeZone,
    ...(view.window ? { window: view.window } : {}),
    suspended,
    concurrencyPolicy: view.concurrencyPolicy,
    catchUp: view.catchUp,
  };
}

/** What the create form holds: text fields as typed, the request as JSON text. */
export interface ScheduleFormFields {
  id: string;
  schedule: string;
  timeZone: string;
  windowStart: string;
  windowDuration: string;
  concurrencyPolicy: string;
  catchUp: string;
  suspended: boolean;
  request: string;
}

/**
 * The POST body of the create form: blanks left out (the gateway's defaults), a window only when a field of it
 * is filled (the gateway names the missing one). A request that is not JSON is refused here, named `request`,
 * as the gateway would name it.
 */
export function definitionFromForm(fields: ScheduleFormFields): {
  definition?: Record<string, unknown>;
  problem?: { field: string; message: string };
} {
  let request: unknown;
  try {
    request = JSON.parse(fields.request);
  } catch (error) {
    return { problem: { field: 'request', message: `request is not JSON: ${error instanceof Error ? error.message : String(error)}` } };
  }
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  const window =
    text(fields.windowStart) !== undefined || text(fields.windowDuration) !== undefined
      ? { window: { start: text(fields.windowStart), duration: text(fields.windowDuration) } }
      : {};
  const optional = {
    id: text(fields.id),
    timeZone: text(fields.timeZone),
    concurrencyPolicy: text(fields.concurrencyPolicy),
    catchUp: text(fields.catchUp),
  };
  return {
    definition: {
      ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      request,
      schedule: fields.schedule.trim(),
      ...window,
      ...(fields.suspended ? { suspended: true } : {}),
    },
  };
}

/** A one-line summary of a request for the list: its type and the fields that say what it touches. */
export function requestSummary(request: Record<string, unknown>): string {
  const parts = [String(request.type)];
  if (request.globalRequest === true) parts.push('global');
  for (const key of ['storageLocation', 'keyspace', 'entities', 'snapshotTag']) {
    if (typeof request[key] === 'string' && request[key] !== '') parts.push(`${key}=${request[key] as string}`);
  }
  return parts.join(' ');
}
