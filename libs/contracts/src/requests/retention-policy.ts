import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { LenientNumber } from './lenient';
import { IsDuration } from './identifiers';

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
