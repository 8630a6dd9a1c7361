import { plainToInstance } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { LenientNumber } from './lenient';
import { DURATION, IsDuration } from './identifiers';
import { parseDurationMs } from './duration';
import { flattenValidationErrors } from './validation-errors';

/**
 * Which backups a storage location keeps, in the style of restic's `forget`: a backup is kept when any rule
 * keeps it; only complete backups count toward (and are kept by) the keep rules; an incomplete backup (no commit
 * point, or a partial cluster record) older than `incompleteGrace` is removed, a younger one is left alone
 * because it may still be running. At least one keep rule is required: an empty policy would remove everything.
 *
 * Used on a `remove-backup` request (`retention`) and as the policy applied after each successful backup when
 * configured. The selection itself is `applyRetention` (apps/node-agent/src/retention).
 */
export class RetentionPolicy {
  /** keep the N newest complete backups */
  @IsOptional() @LenientNumber() @IsInt() @Min(1) @Max(100_000) keepLast?: number;
  /** for the last N days that have a complete backup, keep the newest of each day (UTC) */
  @IsOptional() @LenientNumber() @IsInt() @Min(1) @Max(100_000) keepDaily?: number;
  /** for the last N ISO weeks that have a complete backup, keep the newest of each week (UTC) */
  @IsOptional() @LenientNumber() @IsInt() @Min(1) @Max(100_000) keepWeekly?: number;
  /** for the last N months that have a complete backup, keep the newest of each month (UTC) */
  @IsOptional() @LenientNumber() @IsInt() @Min(1) @Max(100_000) keepMonthly?: number;
  /** keep every complete backup taken within this duration before now ("P30D", "30 days") */
  @IsOptional() @IsString() @IsDuration() keepWithin?: string;
  /** an incomplete backup older than this is removed (default 1 day: longer than any backup runs) */
  @IsOptional() @IsString() @IsDuration() incompleteGrace?: string;
}

/** One backup as retention sees it. */
export interface RetentionCandidate {
  name: string;
  /** when the backup started, epoch milliseconds */
  time: number;
  /** has its commit point (node manifest / full cluster record) */
  complete: boolean;
}

/** What retention decided for one backup, and why (every rule that keeps it, or why it goes). */
export interface RetentionDecision {
  name: string;
  keep: boolean;
  reasons: string[];
}

/** The policy's keep rules that are set; at least one is required. */
export function retentionKeepRules(policy: RetentionPolicy): string[] {
  return (['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepWithin'] as const).filter((rule) => policy[rule] !== undefined);
}

/** The default `incompleteGrace`: longer than any backup runs. */
export const DEFAULT_INCOMPLETE_GRACE = '1 day';
/** A shorter grace could remove a backup still uploading (its commit point is written last). */
const MIN_INCOMPLETE_GRACE_MS = 3600_000;

/**
 * The rules between a policy's fields that decorators cannot express, each naming `<prefix>.<field>` (the
 * request's `retention`, or a config entry's path): at least one keep rule; `keepWithin` longer than zero (a
 * zero window keeps nothing); `incompleteGrace` at least an hour. Well-formedness of each field is the
 * decorators' (class-validator's nested errors name the same paths); a malformed duration is skipped here.
 */
export function retentionPolicyErrors(policy: RetentionPolicy, prefix = 'retention'): Array<{ field: string; message: string }> {
  const errors: Array<{ field: string; message: string }> = [];
  if (retentionKeepRules(policy).length === 0) {
    errors.push({
      field: prefix,
      message: `${prefix}: name at least one keep rule (keepLast, keepDaily, keepWeekly, keepMonthly, keepWithin); an empty policy would remove every backup`,
    });
  }
  const withinMs = wellFormedDurationMs(policy.keepWithin);
  if (withinMs === 0) errors.push({ field: `${prefix}.keepWithin`, message: `${prefix}.keepWithin must be longer than zero` });
  const graceMs = wellFormedDurationMs(policy.incompleteGrace);
  if (graceMs !== undefined && graceMs < MIN_INCOMPLETE_GRACE_MS) {
    errors.push({
      field: `${prefix}.incompleteGrace`,
      message: `${prefix}.incompleteGrace must be at least one hour (a younger incomplete backup may still be uploading)`,
    });
  }
  return errors;
}

function wellFormedDurationMs(text: unknown): number | undefined {
  return typeof text === 'string' && DURATION.test(text.trim()) ? parseDurationMs(text) : undefined;
}

/**
 * A policy as configuration gives it (a JSON value, not a request body): validated with the request's rules,
 * every error naming `<prefix>.<field>`. Unknown fields are refused (a misspelt `keeplast` must not leave a
 * policy that keeps nothing).
 */
export function parseRetentionPolicy(
  raw: unknown,
  prefix = 'retention',
): { policy: RetentionPolicy; errors: [] } | { policy?: undefined; errors: Array<{ field: string; message: string }> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ field: prefix, message: `${prefix} must be an object` }] };
  }
  const policy = plainToInstance(RetentionPolicy, raw);
  const shapeErrors = flattenValidationErrors(validateSync(policy, { whitelist: true, forbidNonWhitelisted: true }), prefix);
  const errors = shapeErrors.length > 0 ? shapeErrors : retentionPolicyErrors(policy, prefix);
  return errors.length > 0 ? { errors } : { policy, errors: [] };
}
