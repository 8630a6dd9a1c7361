import { UsageError } from './exit-codes';
import type { ScheduleView } from './gateway-client';
import { fieldEntries } from './request-flags';

/** The schedule's own flags as commander gives them (`--window-start` → windowStart); unset ones are undefined. */
export interface ScheduleFlags {
  id?: string;
  schedule?: string;
  timeZone?: string;
  windowStart?: string;
  windowDuration?: string;
  /** false with `--no-window` (update: drop the window) */
  window?: boolean;
  /** true with `--suspended`, false with `--no-suspended` (update) */
  suspended?: boolean;
  concurrencyPolicy?: string;
  catchUp?: string;
}

/** Where the operation request of a create or update comes from. */
export interface RequestSource {
  /** `--request-file <file>`: the request as JSON */
  requestFile?: string;
  /** `--request <json>` */
  request?: string;
  /** `--field key=value` (update: changes to the current request; a JSON null removes the field) */
  field?: string[];
}

/** The definition field each schedule flag sets, for naming the flag in the gateway's 400s. */
const FLAG_OF_SCHEDULE_FIELD: Record<string, string> = {
  schedule: '--schedule',
  timeZone: '--time-zone',
  window: '--window-start, --window-duration',
  'window.start': '--window-start',
  'window.duration': '--window-duration',
  suspended: '--suspended',
  concurrencyPolicy: '--concurrency-policy',
  catchUp: '--catch-up',
};

/**
 * The flag that set a definition field the gateway named (`timeZone` → `--time-zone`); `request.<field>` is the
 * request's, named by `requestFlag` (the typed command's flags, or `--request-file`); `id` by `idFlag`.
 */
export function flagOfScheduleField(
  field: string,
  requestFlag: (requestField: string) => string | undefined,
  idFlag: string,
): string | undefined {
  if (field === 'id') return idFlag;
  if (field === 'request') return requestFlag('');
  if (field.startsWith('request.')) return requestFlag(field.slice('request.'.length));
  return FLAG_OF_SCHEDULE_FIELD[field];
}

/** The schedule's timing and policy from its flags; the flags left out are left out (the gateway's defaults). */
function timing(flags: ScheduleFlags, current?: ScheduleView): Record<string, unknown> {
  const definition: Record<string, unknown> = {};
  if (flags.schedule !== undefined) definition.schedule = flags.schedule;
  if (flags.timeZone !== undefined) definition.timeZone = flags.timeZone;
  if (flags.concurrencyPolicy !== undefined) definition.concurrencyPolicy = flags.concurrencyPolicy;
  if (flags.catchUp !== undefined) definition.catchUp = flags.catchUp;
  if (flags.suspended !== undefined) definition.suspended = flags.suspended;
  const window = windowOf(flags, current);
  if (window) definition.window = window;
  return definition;
}

/** `--window-start` and `--window-duration` together, or one of them changing the current window. */
function windowOf(flags: ScheduleFlags, current?: ScheduleView): { start: string; duration: string } | undefined {
  const { windowStart: start, windowDuration: duration } = flags;
  if (flags.window === false) {
    if (start !== undefined || duration !== undefined) {
      throw new UsageError(`--no-window drops the window: give it without ${start !== undefined ? '--window-start' : '--window-duration'}`);
    }
    return undefined;
  }
  if (start === undefined && duration === undefined) return current?.window;
  const merged = { start: start ?? current?.window?.start, duration: duration ?? current?.window?.duration };
  if (merged.start === undefined) throw new UsageError('--window-duration needs --window-start (a daily HH:MM or a 5-field cron)');
  if (merged.duration === undefined) throw new UsageError('--window-start needs --window-duration (a Go-style duration such as 4h)');
  return { start: merged.start, duration: merged.duration };
}

/** The body of `POST /schedules`: `--id`, the timing flags and the operation request. */
export function newScheduleDefinition(flags: ScheduleFlags, request: Record<string, unknown>): Record<string, unknown> {
  if (flags.schedule === undefined) throw new UsageError('--schedule is required: a 5-field cron, @daily, @every 1h, …');
  return { ...(flags.id !== undefined ? { id: flags.id } : {}), request, ...timing(flags) };
}

/**
 * The body of `PUT /schedules/{id}` that changes what the flags say and keeps the rest of `current` (a PUT
 * replaces the whole definition): used by `update`, `suspend` and `resume`.
 */
export function changedScheduleDefinition(
  current: ScheduleView,
  flags: ScheduleFlags,
  request: Record<string, unknown> = current.request,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {
    request,
    schedule: current.schedule,
    timeZone: current.timeZone,
    suspended: current.suspended,
    concurrencyPolicy: current.concurrencyPolicy,
    catchUp: current.catchUp,
  };
  // timing() keeps the current window unless told otherwise (--no-window: none)
  return { ...kept, ...timing(flags, current) };
}

/** JSON of a request (`--request-file`, `--request`): an object, or a usage error naming the flag. */
function requestJson(text: string, flag: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${flag} takes a JSON object: the operation request, e.g. {"type": "backup", "storageLocation": "s3://bucket"}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * The request `--request-file` or `--request` gives (one of them), or undefined when neither is given. A file
 * that does not exist is refused naming the flag.
 */
export function requestFromSource(
  source: RequestSource,
  readFile: (path: string) => string | undefined,
): Record<string, unknown> | undefined {
  if (source.requestFile !== undefined && source.request !== undefined) throw new UsageError('give --request-file or --request, not both');
  if (source.request !== undefined) return requestJson(source.request, '--request');
  if (source.requestFile === undefined) return undefined;
  const text = readFile(source.requestFile);
  if (text === undefined) throw new UsageError(`--request-file: ${source.requestFile} does not exist`);
  return requestJson(text, '--request-file');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `changes` laid over `base`: nested objects merged, a null removing the field. */
function overlay(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete result[key];
    else if (isPlainObject(value) && isPlainObject(result[key])) result[key] = overlay(result[key], value);
    else result[key] = value;
  }
  return result;
}

/** `--field` entries applied to a request: `bandwidth.value=10` changes one part, `entities=null` removes the field. */
export function withFieldChanges(request: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return fields.length === 0 ? request : overlay(request, fieldEntries(fields));
}
