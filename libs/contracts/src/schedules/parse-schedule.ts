import { FieldError, parseOperationRequest, RequestValidationError } from '../requests/registry';
import { rawJsonProblem } from '../requests/raw-json-guard';
import { secretsIn } from '../secrets/index';
import { CONCURRENCY_POLICIES, ConcurrencyPolicy, DEFAULT_CATCH_UP, ScheduleDefinition, ScheduleWindow } from './schedule';
import { cronProblem, dailyTimeAsCron, everyInterval, isTimeZone, parseGoDuration } from './schedule-times';

/** Schedule ids are KV keys and part of nothing else: short, lower case, no dots. */
const SCHEDULE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const FIELDS = ['id', 'request', 'schedule', 'timeZone', 'window', 'suspended', 'concurrencyPolicy', 'catchUp'];
/** An `@every` faster than this would be a load test, not a schedule. */
const MIN_EVERY_MS = 1_000;

export function isScheduleId(id: string): boolean {
  return SCHEDULE_ID.test(id);
}

/** The cron pattern a window's `start` means (`HH:MM` is daily). */
export function windowStartPattern(window: ScheduleWindow): string {
  return dailyTimeAsCron(window.start) ?? window.start;
}

/**
 * A schedule definition (POST/PUT body) validated field by field; every problem names its field (`request.<field>`
 * for the operation request, validated by `parseOperationRequest` as a submission is). `id` comes from the path
 * on PUT (`fixedId`), else from the body or `makeId`.
 */
export function parseScheduleDefinition(body: unknown, makeId: () => string, fixedId?: string): ScheduleDefinition {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError('invalid', [{ field: 'body', message: 'body must be a JSON object' }]);
  }
  const shape = rawJsonProblem(body);
  if (shape) throw new RequestValidationError('invalid', [shape]);
  const raw = body as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(raw)
    .filter((key) => !FIELDS.includes(key))
    .map((key) => ({ field: key, message: `${key.slice(0, 64)} is not a schedule field (known: ${FIELDS.join(', ')})` }));
  const fail = (field: string, message: string) => errors.push({ field, message: `${field} ${message}` });

  let id = fixedId;
  if (raw.id !== undefined && (typeof raw.id !== 'string' || (fixedId !== undefined && raw.id !== fixedId))) {
    fail('id', fixedId ? `must be the path's id (${fixedId}) or left out` : 'must be a string');
  } else if (id === undefined) {
    id = typeof raw.id === 'string' ? raw.id : makeId();
    if (!isScheduleId(id)) fail('id', 'must be 1-63 characters a-z, 0-9, "-" or "_", starting with a letter or digit');
  }

  const timeZone = raw.timeZone === undefined ? 'UTC' : raw.timeZone;
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) fail('timeZone', 'must be an IANA time zone, e.g. Europe/Berlin');
  const zone = typeof timeZone === 'string' && isTimeZone(timeZone) ? timeZone : 'UTC';

  const schedule = raw.schedule;
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    fail('schedule', 'is required: a 5-field cron, @yearly @annually @monthly @weekly @daily @midnight @hourly, or @every <duration>');
  } else if (schedule.startsWith('@every')) {
    const interval = everyInterval(schedule);
    if (interval === undefined) fail('schedule', 'must be @every <duration> with a Go-style duration such as 1h30m or 2s');
    else if (interval < MIN_EVERY_MS) fail('schedule', 'must be @every 1s or longer');
  } else {
    const problem = cronProblem(schedule, zone);
    if (problem) fail('schedule', problem);
  }

  const window = parseWindow(raw.window, zone, fail);
  const suspended = raw.suspended ?? false;
  if (typeof suspended !== 'boolean') fail('suspended', 'must be true or false');
  const policy = raw.concurrencyPolicy ?? 'skip';
  if (!CONCURRENCY_POLICIES.includes(policy as ConcurrencyPolicy)) fail('concurrencyPolicy', 'must be skip or queue');
  const catchUp = raw.catchUp ?? DEFAULT_CATCH_UP;
  if (typeof catchUp !== 'string' || !parseGoDuration(catchUp)) fail('catchUp', 'must be a Go-style duration such as 10m');

  const request = parseRequest(raw.request, errors);
  if (errors.length > 0 || !request || id === undefined) throw new RequestValidationError('invalid', errors);
  return {
    id,
    request,
    schedule: schedule as string,
    timeZone: zone,
    ...(window ? { window } : {}),
    suspended: suspended as boolean,
    concurrencyPolicy: policy as ConcurrencyPolicy,
    catchUp: catchUp as string,
  };
}

function parseWindow(raw: unknown, zone: string, fail: (field: string, message: string) => void): ScheduleWindow | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail('window', 'must be an object {start, duration}');
    return undefined;
  }
  const { start, duration, ...rest } = raw as Record<string, unknown>;
  for (const key of Object.keys(rest)) fail(`window.${key.slice(0, 64)}`, 'is not a window field (known: start, duration)');
  let ok = Object.keys(rest).length === 0;
  if (typeof start !== 'string' || (!dailyTimeAsCron(start) && cronProblem(start, zone) !== undefined) || start.startsWith('@every')) {
    fail('window.start', 'must be a daily time HH:MM or a 5-field cron');
    ok = false;
  }
  if (typeof duration !== 'string' || !parseGoDuration(duration)) {
    fail('window.duration', 'must be a Go-style duration such as 4h');
    ok = false;
  }
  return ok ? { start: start as string, duration: duration as string } : undefined;
}

/** The operation request, validated as a submission is; its problems named `request.<field>`. */
function parseRequest(raw: unknown, errors: FieldError[]) {
  if (raw === undefined) {
    errors.push({ field: 'request', message: 'request is required: the operation to run, e.g. {"type": "backup", ...}' });
    return undefined;
  }
  try {
    const request = parseOperationRequest(raw);
    if (request.id !== undefined) {
      errors.push({ field: 'request.id', message: 'request.id must be left out: each run gets its own operation id' });
    }
    // a sealed secret is bound to one operation id, and each run has its own: none can be scheduled yet
    for (const { field } of secretsIn(request)) {
      errors.push({
        field: `request.${field}`,
        message: `request.${field}: a schedule cannot carry secrets (each run has its own operation id, which a sealed secret is bound to)`,
      });
    }
    return request;
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    for (const problem of error.errors) {
      const field = problem.field === 'body' ? 'request' : `request.${problem.field}`;
      errors.push({ field, message: `request.${problem.message}` });
    }
    return undefined;
  }
}
