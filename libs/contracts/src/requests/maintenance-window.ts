import { Cron } from 'croner';
import type { FieldError } from './registry';

/**
 * `maintenanceWindow` (Daedalus extension, ScyllaDB Manager's `--window`): when a global operation may start
 * work on a node. `start` is a 5-field cron expression or "HH:MM" (every day), `duration` an ISO-8601 duration
 * ("PT2H") or "2h" / "90m" / "30s" / "1h30m", `timeZone` an IANA name (default UTC). See docs/design.md
 * "Gentle on the cluster".
 */
export interface MaintenanceWindow {
  start: string;
  duration: string;
  timeZone?: string;
}

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date | undefined };

const HH_MM = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const ISO_DURATION = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;
const SHORT_DURATION = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;
const MAX_DURATION_MS = 31 * 24 * 3600_000;

/** The window's start as a cron pattern, or undefined when it is neither "HH:MM" nor 5 cron fields. */
function cronPattern(start: string): string | undefined {
  const time = HH_MM.exec(start);
  if (time) return `${Number(time[2])} ${Number(time[1])} * * *`;
  return start.trim().split(/\s+/).length === 5 ? start.trim() : undefined;
}

/** Milliseconds of a window duration, or undefined when malformed. */
export function windowDurationMs(duration: string): number | undefined {
  const iso = ISO_DURATION.exec(duration);
  const short = iso ? undefined : SHORT_DURATION.exec(duration.toLowerCase());
  const match = iso ?? short;
  if (!match || duration === 'P' || duration === 'PT' || duration === '') return undefined;
  const [d, h, m, s] = iso ? match.slice(1, 5) : [undefined, ...match.slice(1, 4)];
  const ms = (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * Windows that open at each instant of a start pattern (a 5-field cron or "HH:MM", local time in `timeZone`,
 * croner's DST rules) and stay open `lengthMs`. The one window arithmetic: a request's `maintenanceWindow`
 * (windowStateAt) and a schedule's `window` (the schedule planner) both use it, so "is the window open" has one
 * answer. A window holding a moment is the one of the latest start at or before it (overlapping windows: the
 * one that closes last).
 */
export interface MaintenanceWindowClock {
  /** open at `now` (and until when), else when the next window opens */
  stateAt(now: Date): WindowState;
  /** the window holding `moment`, if one does: [start, end) */
  holding(moment: Date): { start: Date; end: Date } | undefined;
  /** the first window start strictly after `moment` */
  nextStart(moment: Date): Date | undefined;
}

export function maintenanceWindowClock(start: string, timeZone: string, lengthMs: number): MaintenanceWindowClock {
  const pattern = cronPattern(start);
  if (!pattern) throw new Error(`maintenanceWindow.start ${start} is not a cron expression or HH:MM`);
  const cron = new Cron(pattern, { paused: true, timezone: timeZone });
  const holding = (moment: Date) => {
    const last = cron.previousRuns(1, new Date(moment.getTime() + 1))[0];
    return last && moment.getTime() < last.getTime() + lengthMs ? { start: last, end: new Date(last.getTime() + lengthMs) } : undefined;
  };
  const nextStart = (moment: Date) => cron.nextRun(moment) ?? undefined;
  return {
    holding,
    nextStart,
    stateAt(now) {
      const held = holding(now);
      return held ? { open: true, closesAt: held.end } : { open: false, opensAt: nextStart(now) };
    },
  };
}

/** Whether the window is open at `now` (and until when), else when it opens next. */
export function windowStateAt(window: MaintenanceWindow, now: Date): WindowState {
  return maintenanceWindowClock(window.start, window.timeZone ?? 'UTC', windowDurationMs(window.duration) ?? 0).stateAt(now);
}

/** The shape of `maintenanceWindow` as sent: each problem names its field. */
export function maintenanceWindowShapeErrors(value: unknown): FieldError[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: 'maintenanceWindow', message: 'maintenanceWindow must be an object {start, duration, timeZone?}' }];
  }
  const { start, duration, timeZone, ...rest } = value as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(rest).map((key) => ({
    field: 'maintenanceWindow',
    message: `maintenanceWindow: unknown field ${key.slice(0, 64)} (start, duration, timeZone)`,
  }));
  if (typeof timeZone !== 'undefined' && (typeof timeZone !== 'string' || !isTimeZone(timeZone))) {
    errors.push({ field: 'maintenanceWindow.timeZone', message: 'maintenanceWindow.timeZone must be an IANA time zone (Europe/Berlin)' });
  }
  if (typeof start !== 'string' || start.length > 200 || !validCron(start)) {
    errors.push({
      field: 'maintenanceWindow.start',
      message: 'maintenanceWindow.start must be a 5-field cron expression ("0 22 * * *") or HH:MM ("22:00")',
    });
  }
  const ms = typeof duration === 'string' && duration.length <= 40 ? windowDurationMs(duration) : undefined;
  if (ms === undefined || ms > MAX_DURATION_MS) {
    errors.push({
      field: 'maintenanceWindow.duration',
      message: 'maintenanceWindow.duration must be an ISO-8601 duration ("PT2H") or "2h", "90m", "30s", "1h30m", at most 31 days',
    });
  }
  return errors;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.length <= 64;
  } catch {
    return false;
  }
}

function validCron(start: string): boolean {
  const pattern = cronPattern(start);
  if (!pattern) return false;
  try {
    new Cron(pattern, { paused: true });
    return true;
  } catch {
    return false;
  }
}
