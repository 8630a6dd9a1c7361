import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { BandwidthDto, StorageOperationRequest } from './common';
import { IsSafeName } from './identifiers';
import { EmptyAsUndefined, LenientBoolean, LenientEnum } from './lenient';

export const VERIFY_MODES = ['quick', 'full'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

/**
 * Daedalus extension (not an Icarus type): checks the backups of a node (`globalRequest`: of every node) in a
 * storage location. `quick` checks every object a manifest names exists with its size (one listing of the node's
 * data prefixes); `full` downloads every object again and checks its sha256. Both report orphaned objects (under
 * the node's data prefixes, named by no manifest, older than the agent's grace). Each backup and node checked
 * gets an immutable verification record, which the listing shows (docs/design.md, "Verify").
 */
export class VerifyRequest extends StorageOperationRequest {
  override type = 'verify' as const;

  /** the backup to verify, by its name as the listing gives it (e.g. "nightly-1764460800000") */
  @IsOptional()
  @EmptyAsUndefined()
  @IsSafeName()
  backupName?: string;

  /** instead of `backupName`: every committed backup of the node in the location */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  allBackups?: boolean;

  /** default quick */
  @IsOptional()
  @LenientEnum(VERIFY_MODES)
  @IsIn(VERIFY_MODES)
  mode?: VerifyMode;

  /** caps the download rate per node of a full verify */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BandwidthDto)
  bandwidth?: BandwidthDto;

  /**
   * also delete orphans, through remove-backup's sweep of the node (its lock against running backups, its own
   * listing of what is referenced, its grace window): admin role, since it deletes (docs/design.md "Verify")
   */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  deleteOrphans?: boolean;

  /** Rules between fields that decorators cannot express. */
  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (this.backupName === undefined && this.allBackups !== true) {
      errors.push({ field: 'backupName', message: 'backupName: name the backup to verify, or send allBackups: true' });
    }
    if (this.backupName !== undefined && this.allBackups === true) {
      errors.push({ field: 'allBackups', message: 'allBackups: send either backupName or allBackups: true, not both' });
    }
    if (this.bandwidth !== undefined && (this.mode ?? 'quick') !== 'full') {
      errors.push({ field: 'bandwidth', message: 'bandwidth: only a full verify downloads objects; a quick one lists them' });
    }
    if (this.createMissingBucket === true) {
      errors.push({
        field: 'createMissingBucket',
        message: 'createMissingBucket: a verify reads an existing bucket and never creates one',
      });
    }
    return errors;
  }
}
