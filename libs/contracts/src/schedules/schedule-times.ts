import { Cron } from 'croner';
import { MaintenanceWindowClock, maintenanceWindowClock } from '../requests/maintenance-window';

/**
 * When a schedule fires. Cron expressions and the predefined `@yearly … @hourly` / `@midnight` are croner's
 * (a maintained library, never parsed by hand here); `@every <duration>` is counted from the schedule's anchor
 * (its creation or last change), so every coordinator computes the same instants.
 */

const EVERY = /^@every\s+(\S+)$/;
const PREDEFINED = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** Go's duration units as CassKop writes them (`1h30m`, `2s`); only whole units, no fractions, no sign. */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/;
const DAILY_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Milliseconds of a Go-style duration (`1h30m`, `2s`), or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === '') return undefined;
  const [h, m, s] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const ms = ((h * 60 + m) * 60 + s) * 1000;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Whether `zone` is an IANA time zone this runtime knows (Intl refuses any other with a RangeError). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A cron pattern croner accepts, of exactly five fields (croner also takes a seconds field: CassKop does not). */
export function cronProblem(pattern: string, timeZone: string): string | undefined {
  const fields = pattern.trim().split(/\s+/);
  if (!pattern.startsWith('@') && fields.length !== 5) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}`;
  }
  if (pattern.startsWith('@') && !PREDEFINED.includes(pattern)) return `must be one of ${PREDEFINED.join(' ')} or @every <duration>`;
  try {
    new Cron(pattern, { timezone: timeZone, paused: true }).nextRun(new Date(0));
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
  }
}

/** `HH:MM` (a daily start) as the cron pattern it means. */
export function dailyTimeAsCron(text: string): string | undefined {
  const match = DAILY_TIME.exec(text);
  return match ? `${Number(match[2])} ${Number(match[1])} * * *` : undefined;
}

export interface Timing {
  /** the schedule as written: cron, predefined, or `@every <duration>` */
  schedule: string;
  timeZone: string;
  /** when `@every` counts from (ISO time) */
  anchor: string;
}

/** The fire instants of a schedule, strictly after a moment. */
export interface FireClock {
  after(moment: Date): Date | undefined;
}

export function fireClock(timing: Timing): FireClock {
  const every = EVERY.exec(timing.schedule);
  if (every) {
    const interval = parseGoDuration(every[1]);
    if (!interval) throw new Error(`invalid @every duration ${every[1]}`);
    const anchor = Date.parse(timing.anchor);
    return {
      after(moment) {
        const steps = Math.floor((moment.getTime() - anchor) / interval) + 1;
        return new Date(anchor + Math.max(steps, 1) * interval);
      },
    };
  }
  const cron = new Cron(timing.schedule, { timezone: timing.timeZone, paused: true });
  return { after: (moment) => cron.nextRun(moment) ?? undefined };
}

/** The interval of an `@every` schedule, or undefined for cron ones. */
export function everyInterval(schedule: string): number | undefined {
  const every = EVERY.exec(schedule);
  return every ? parseGoDuration(every[1]) : undefined;
}

/** The next `count` fire instants strictly after `moment`. */
export function nextFireTimes(clock: FireClock, moment: Date, count: number): Date[] {
  const result: Date[] = [];
  let at: Date | undefined = moment;
  while (result.length < count && (at = clock.after(at))) result.push(at);
  return result;
}

/** The fire instants in (from, to], at most `limit` of the LATEST ones (older ones are only counted). */
export function fireTimesBetween(clock: FireClock, from: Date, to: Date, limit: number): { times: Date[]; dropped: number } {
  const times: Date[] = [];
  let dropped = 0;
  let at: Date | undefined = clock.after(from);
  while (at && at.getTime() <= to.getTime()) {
    times.push(at);
    if (times.length > limit) {
      times.shift();
      dropped += 1;
    }
    at = clock.after(at);
  }
  return { times, dropped };
}

/**
 * A schedule's maintenance window: starts at each instant of `start` (cron, in the schedule's zone) and lasts
 * `durationMs`. The same window arithmetic as a request's `maintenanceWindow` (one implementation).
 */
export type WindowClock = Pick<MaintenanceWindowClock, 'holding' | 'nextStart'>;

export function windowClock(startPattern: string, timeZone: string, durationMs: number): WindowClock {
  return maintenanceWindowClock(startPattern, timeZone, durationMs);
}
