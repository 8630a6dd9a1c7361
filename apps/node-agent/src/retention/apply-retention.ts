import {
  DEFAULT_INCOMPLETE_GRACE,
  RetentionCandidate,
  RetentionDecision,
  RetentionPolicy,
  retentionPolicyErrors,
} from '@daedalus/contracts';
import { OperationRejectedError } from '../operations/executor';
import { parseDurationMs } from '../repository/request-storage';

/** A calendar period a backup falls in (UTC), named so two backups of the same period share the key. */
type PeriodOf = (time: number) => string;

const DAY_MS = 86_400_000;

const dayOf: PeriodOf = (time) => new Date(time).toISOString().slice(0, 10);

const monthOf: PeriodOf = (time) => new Date(time).toISOString().slice(0, 7);

/** ISO-8601 week: weeks start on Monday, week 1 holds the year's first Thursday (so 2021-01-03 is 2020-W53). */
const isoWeekOf: PeriodOf = (time) => {
  const date = new Date(time);
  const mondayBased = (date.getUTCDay() + 6) % 7;
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - mondayBased + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
};

/**
 * Which backups a policy keeps, in the style of restic's `forget`:
 * - `keepLast` N: the N newest complete backups;
 * - `keepDaily`/`keepWeekly`/`keepMonthly` N: the newest complete backup of each of the last N days / ISO weeks /
 *   months (UTC) that have one (a period without a backup does not use up a slot);
 * - `keepWithin` D: every complete backup taken at most D before `now`;
 * - a backup kept by any rule is kept, with every rule's reason; a complete backup no rule keeps is removed;
 * - only complete backups count and are kept by the rules; an incomplete one older than `incompleteGrace` is
 *   removed, a younger one kept because it may still be running.
 *
 * "Newest" orders by time, then by name (the greater name is newer), so equal times decide the same way on every
 * run. The decisions come newest first (a backup without a usable time last, always kept). A policy without a keep rule, or with a bad duration, is refused.
 */
export function applyRetention(candidates: RetentionCandidate[], policy: RetentionPolicy, now: number): RetentionDecision[] {
  const problems = retentionPolicyErrors(policy);
  if (problems.length > 0) throw new OperationRejectedError(problems.map((p) => p.message).join('; '));
  const withinMs = policy.keepWithin === undefined ? undefined : parseDurationMs(policy.keepWithin);
  const graceMs = parseDurationMs(policy.incompleteGrace ?? DEFAULT_INCOMPLETE_GRACE);

  const names = new Set(candidates.map((candidate) => candidate.name));
  if (names.size !== candidates.length) throw new OperationRejectedError('retention: two backups share a name; cannot decide between them');
  const undated = candidates.filter((candidate) => !isDate(candidate.time));
  const newestFirst = candidates
    .filter((candidate) => isDate(candidate.time))
    .sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const complete = newestFirst.filter((candidate) => candidate.complete);
  const reasons = new Map<string, string[]>(newestFirst.map((candidate) => [candidate.name, []]));
  const keep = (candidate: RetentionCandidate, reason: string): void => {
    reasons.get(candidate.name)?.push(reason);
  };

  if (policy.keepLast !== undefined) {
    complete.slice(0, policy.keepLast).forEach((candidate, index) => keep(candidate, `keepLast: ${ordinal(index + 1)} newest complete`));
  }
  keepNewestPerPeriod(complete, policy.keepDaily, dayOf, 'keepDaily', keep);
  keepNewestPerPeriod(complete, policy.keepWeekly, isoWeekOf, 'keepWeekly', keep);
  keepNewestPerPeriod(complete, policy.keepMonthly, monthOf, 'keepMonthly', keep);
  if (withinMs !== undefined) {
    for (const candidate of complete) {
      if (candidate.time >= now - withinMs) keep(candidate, `keepWithin: taken within ${policy.keepWithin} before now`);
    }
  }

  const undatedDecisions = undated.map((candidate) => ({
    name: candidate.name,
    keep: true,
    reasons: ['time unknown: retention cannot place it, so never removes it'],
  }));
  const dated = newestFirst.map((candidate): RetentionDecision => {
    const kept = reasons.get(candidate.name) ?? [];
    if (candidate.complete) {
      return kept.length > 0
        ? { name: candidate.name, keep: true, reasons: kept }
        : { name: candidate.name, keep: false, reasons: ['complete, kept by no rule'] };
    }
    return now - candidate.time > graceMs
      ? {
          name: candidate.name,
          keep: false,
          reasons: [`incomplete, older than incompleteGrace (${policy.incompleteGrace ?? DEFAULT_INCOMPLETE_GRACE})`],
        }
      : { name: candidate.name, keep: true, reasons: ['incomplete, may still be running'] };
  });
  return [...dated, ...undatedDecisions];
}

/** A time a Date can hold (toISOString throws beyond ±8.64e15 ms). */
function isDate(time: number): boolean {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15;
}

/** The newest complete backup of each of the `count` newest periods that have one (`complete` is newest first). */
function keepNewestPerPeriod(
  complete: RetentionCandidate[],
  count: number | undefined,
  periodOf: PeriodOf,
  rule: string,
  keep: (candidate: RetentionCandidate, reason: string) => void,
): void {
  if (count === undefined) return;
  let kept = 0;
  let lastPeriod: string | undefined;
  for (const candidate of complete) {
    if (kept >= count) return;
    const period = periodOf(candidate.time);
    if (period === lastPeriod) continue;
    lastPeriod = period;
    kept += 1;
    keep(candidate, `${rule}: newest complete of ${period}`);
  }
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
