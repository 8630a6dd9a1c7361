import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BandwidthDto, StorageOperationRequest } from './common';
import { RetentionPolicy, retentionPolicyErrors } from './retention-policy';
import { IsAbsolutePath, IsDuration, IsEntityList, IsSafeName } from './identifiers';
import { CommaSeparatedList, EmptyAsUndefined, LenientBoolean, LenientEnum, LenientNumber } from './lenient';

/** Daedalus extension: a cluster-consistent backup (Cassy's pause hooks; see docs/design.md "Consistent backup"). */
export class BackupConsistencyDto {
  /** names of pause hooks the coordinators' configuration defines (--pause-hooks-file): never URLs or tokens */
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { each: true, message: 'each of $property is a hook name: letters, digits and _ . - (1-64)' })
  pauseHooks!: string[];
}

/** `compression` of a backup (docs/design.md, "Compression"): how new SSTable objects are stored. */
export const BACKUP_COMPRESSIONS = ['none', 'zstd'] as const;
export type BackupCompression = (typeof BACKUP_COMPRESSIONS)[number];
/** zstd levels a backup may ask for; above 9 zstd needs tens of MiB per stream (per connection). */
export const BACKUP_COMPRESSION_LEVELS = { min: 1, max: 9, default: 3 } as const;

export class BackupRequest extends StorageOperationRequest {
  override type = 'backup' as const;

  @IsOptional()
  @EmptyAsUndefined()
  @IsSafeName()
  snapshotTag?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsEntityList()
  entities?: string;

  @IsOptional()
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  dataDirs?: string[];

  /** Icarus: the Cassandra root holding the data directories; checked against the targets' data directories. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(4096)
  @IsAbsolutePath()
  cassandraDirectory?: string;

  /** ISO-8601 duration or Icarus's "N UNIT" form; bounds the upload time. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @IsDuration()
  duration?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BandwidthDto)
  bandwidth?: BandwidthDto;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  uploadClusterTopology?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  skipRefreshing?: boolean;

  /** Cassandra schema version; the coordinator fills it in. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsUUID()
  schemaVersion?: string;

  /** Daedalus extension: keep the snapshot on the node after upload. */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  keepSnapshot?: boolean;

  /**
   * Daedalus extension (global backups only, default false): proceed without the nodes that are down, as long
   * as every token range of the backed-up keyspaces still has a replica among the nodes that are up; the
   * backup is then recorded as partial, naming the missing nodes. Without it a down node fails the backup.
   */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  skipDownNodes?: boolean;

  /**
   * Daedalus extension (global backups only): pause the application through the named hooks, snapshot every
   * node at once, then resume it (always, also on failure or cancel).
   */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BackupConsistencyDto)
  consistency?: BackupConsistencyDto;

  /**
   * Daedalus extension: "zstd" stores the SSTable components that pay (never a Data.db Cassandra compressed
   * itself) zstd-compressed, recorded per file in the manifest; restore, dedup and verify read either form.
   * Default "none": an older agent or Daedalus build can still restore the backup.
   */
  @IsOptional()
  @LenientEnum(BACKUP_COMPRESSIONS)
  @IsIn(BACKUP_COMPRESSIONS)
  compression?: BackupCompression;

  /** zstd level 1–9 (default 3); only with `compression: "zstd"`. */
  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(BACKUP_COMPRESSION_LEVELS.min)
  @Max(BACKUP_COMPRESSION_LEVELS.max)
  compressionLevel?: number;

  /** Rules between fields that decorators cannot express. */
  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (this.compressionLevel !== undefined && this.compression !== 'zstd') {
      errors.push({ field: 'compressionLevel', message: 'compressionLevel: only with compression "zstd"' });
    }
    if (this.consistency && !this.globalRequest) {
      errors.push({
        field: 'consistency',
        message: 'consistency: only a global backup (globalRequest: true) snapshots the cluster consistently',
      });
    }
    if (this.skipDownNodes && !this.globalRequest) {
      errors.push({ field: 'skipDownNodes', message: 'skipDownNodes: only a global backup (globalRequest: true) can skip down nodes' });
    }
    if (this.skipRefreshing === false) {
      errors.push(
        notSupported(
          'skipRefreshing',
          'false is not supported: a backup never refreshes the modification time of the objects it reuses; send true or leave it out',
        ),
      );
    }
    return errors;
  }
}

/** A field Daedalus knows (Icarus or Esop has it) but does not do, refused rather than ignored. */
function notSupported(field: string, why: string): { field: string; message: string } {
  return { field, message: `${field}: not supported: ${why}` };
}

export const RESTORATION_STRATEGIES = ['IN_PLACE', 'IMPORT', 'HARDLINKS'] as const;
export const RESTORATION_PHASES = ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;

export class RestoreImportDto {
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(32)
  type?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(4096)
  @IsAbsolutePath()
  sourceDir?: string;

  @IsOptional() @LenientBoolean() @IsBoolean() keepLevel?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() keepRepaired?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noVerify?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noVerifyTokens?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noInvalidateCaches?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() quick?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() extendedVerify?: boolean;
}

/** ISO-8601 date-time with a zone (`Z` or `±hh:mm`): a point in time means nothing without one. */
export const POINT_IN_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** `pointInTime` as epoch millis, or undefined when it is not an ISO-8601 date-time with a zone. */
export function pointInTimeMs(value: string | undefined): number | undefined {
  if (value === undefined || !POINT_IN_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

export class RestoreRequest extends StorageOperationRequest {
  override type = 'restore' as const;

  /** Required, except with `pointInTime` (which chooses the backup itself and refuses a named one). */
  @ValidateIf((o: RestoreRequest) => o.pointInTime === undefined || o.snapshotTag !== undefined)
  @IsSafeName()
  snapshotTag!: string;

  /**
   * Daedalus extension: restore each node to this moment (ISO-8601 with a zone, whole seconds): IN_PLACE from
   * the latest complete backup finished before it, then the archived commit logs replayed up to it at the
   * node's next start (docs/design.md, "Point-in-time restore of a cluster").
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(POINT_IN_TIME, { message: 'pointInTime must be an ISO-8601 date-time with a zone, e.g. 2026-11-30T17:04:05Z' })
  pointInTime?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsEntityList()
  entities?: string;

  /** {"ks.t": "ks.t2"} */
  @IsOptional()
  @IsObject()
  rename?: Record<string, string>;

  /** With `globalRequest`: run only `restorationPhase`, on every node (INIT, DOWNLOAD, or IMPORT from `import.sourceDir`). */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  singlePhase?: boolean;

  @IsOptional()
  @LenientEnum(RESTORATION_STRATEGIES)
  @IsIn(RESTORATION_STRATEGIES)
  restorationStrategyType?: (typeof RESTORATION_STRATEGIES)[number];

  @IsOptional()
  @LenientEnum(RESTORATION_PHASES)
  @IsIn(RESTORATION_PHASES)
  restorationPhase?: (typeof RESTORATION_PHASES)[number];

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RestoreImportDto)
  import?: RestoreImportDto;

  @IsOptional()
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  dataDirs?: string[];

  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) @IsAbsolutePath() cassandraDirectory?: string;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) @IsAbsolutePath() cassandraConfigDirectory?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() restoreSystemKeyspace?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() restoreSystemAuth?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() newCluster?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() updateCassandraYaml?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noDeleteTruncates?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noDeleteDownloads?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() noDownloadData?: boolean;
  @IsOptional() @EmptyAsUndefined() @IsUUID() schemaVersion?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() exactSchemaVersion?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() resolveHostIdFromTopology?: boolean;

  /** Daedalus extension: caps download bandwidth per node, so a restore does not saturate the network. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BandwidthDto)
  bandwidth?: BandwidthDto;

  /** Daedalus extension: compute and return the restore's plan per node (phase PLAN), changing nothing. */
  @IsOptional() @LenientBoolean() @IsBoolean() dryRun?: boolean;

  /** Rules between fields that decorators cannot express. */
  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (this.pointInTime !== undefined) return this.pointInTimeErrors();
    errors.push(...this.phaseErrors(), ...this.dryRunErrors());
    if (this.newCluster) {
      errors.push(
        notSupported(
          'newCluster',
          'restoring into a new cluster is not supported; a cluster with new host IDs restores with resolveHostIdFromTopology',
        ),
      );
    }
    if (this.restoreSystemKeyspace) {
      errors.push(
        notSupported('restoreSystemKeyspace', 'restoring the system keyspaces is not supported (restoreSystemAuth restores system_auth)'),
      );
    }
    if (this.noDownloadData) errors.push(notSupported('noDownloadData', 'a restore always downloads the data it restores'));
    const importType = this.import?.type;
    if (importType !== undefined && importType.toLowerCase() !== 'import') {
      errors.push(notSupported('import.type', `"${importType.slice(0, 32)}" is not an import type (only "import")`));
    }
    const table = /^[A-Za-z0-9_]{1,48}\.[A-Za-z0-9_]{1,48}$/;
    for (const [from, to] of Object.entries(this.rename ?? {})) {
      if (!table.test(from) || typeof to !== 'string' || !table.test(to)) {
        const shown = typeof to === 'string' ? to : `(${typeof to})`;
        errors.push({ field: 'rename', message: `rename: "${from}" → "${shown}" must map "ks.table" to "ks.table"` });
      } else if (from.split('.')[0] !== to.split('.')[0]) {
        errors.push({ field: 'rename', message: `rename: "${from}" → "${to}" must stay in the same keyspace` });
      }
    }
    if (this.rename && this.entities && this.entities.includes('.')) {
      const named = new Set(this.entities.split(','));
      for (const from of Object.keys(this.rename)) {
        if (!named.has(from)) errors.push({ field: 'rename', message: `rename: "${from}" is not among the restored entities` });
      }
    }
    return errors;
  }

  /** A dry run plans a whole restore; planning one phase alone is not supported. */
  private dryRunErrors(): Array<{ field: string; message: string }> {
    if (!this.dryRun) return [];
    if (this.singlePhase || (this.restorationPhase && !RESTORE_STARTING_PHASES.includes(this.restorationPhase))) {
      return [notSupported('dryRun', 'a dry run plans the whole restore; not supported with singlePhase or a later restorationPhase')];
    }
    return [];
  }

  /**
   * A point-in-time restore chooses its backup per node and replays every table's commit log, so the fields
   * that name a backup, a phase, a subset of tables or other nodes' data are refused rather than ignored.
   */
  private pointInTimeErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    const ms = pointInTimeMs(this.pointInTime);
    if (ms === undefined) {
      errors.push({ field: 'pointInTime', message: 'pointInTime must be an ISO-8601 date-time with a zone, e.g. 2026-11-30T17:04:05Z' });
    } else if (ms % 1000 !== 0) {
      errors.push({
        field: 'pointInTime',
        message: "pointInTime must be a whole second: Cassandra's restore_point_in_time has second precision",
      });
    }
    if (this.restorationStrategyType !== 'IN_PLACE') {
      errors.push({
        field: 'restorationStrategyType',
        message: `restorationStrategyType: a pointInTime restore is IN_PLACE (Cassandra stopped, then its commit logs replayed at start), not ${this.restorationStrategyType ?? 'IMPORT (the default)'}`,
      });
    }
    const refused: Array<[string, unknown, string]> = [
      ['snapshotTag', this.snapshotTag, 'a pointInTime restore chooses the latest complete backup finished before the point on each node'],
      ['restorationPhase', this.restorationPhase, 'a pointInTime restore runs all its phases'],
      ['singlePhase', this.singlePhase, 'a pointInTime restore runs all its phases'],
      ['entities', this.entities, 'the commit-log replay has no table filter: every table is restored to the point'],
      ['rename', this.rename, 'the commit-log replay writes to the tables as they were named'],
      ['resolveHostIdFromTopology', this.resolveHostIdFromTopology, "each node replays its own host ID's archived commit logs"],
      ['import', this.import, 'an IN_PLACE restore imports nothing'],
      ['newCluster', this.newCluster, 'restoring into a new cluster is not supported'],
      ['restoreSystemKeyspace', this.restoreSystemKeyspace, 'restoring the system keyspaces is not supported'],
      ['noDownloadData', this.noDownloadData, 'a restore always downloads the data it restores'],
      ['exactSchemaVersion', this.exactSchemaVersion, 'each node restores the schema of the backup it chose'],
    ];
    for (const [field, value, why] of refused) {
      if (value !== undefined && value !== false) errors.push(notSupported(field, `not with pointInTime: ${why}`));
    }
    return errors;
  }

  /**
   * Which `restorationPhase`/`singlePhase` combinations a global restore runs (see `restoreProtocol.sequence`):
   * INIT or DOWNLOAD (Icarus 1.x and older CassKop start with DOWNLOAD) run the whole restore; `singlePhase`
   * runs one phase cluster-wide, for the phases that can stand alone.
   */
  private phaseErrors(): Array<{ field: string; message: string }> {
    if (this.restorationStrategyType === 'IN_PLACE') {
      return this.singlePhase
        ? [{ field: 'singlePhase', message: 'singlePhase: an IN_PLACE restore is one phase already; not supported with it' }]
        : [];
    }
    if (!this.globalRequest) return [];
    const phase = this.restorationPhase;
    if (!this.singlePhase) {
      return phase && !RESTORE_STARTING_PHASES.includes(phase)
        ? [
            {
              field: 'restorationPhase',
              message: `restorationPhase: a global restore starts at INIT (or DOWNLOAD) and runs every phase; ${phase} alone needs singlePhase: true`,
            },
          ]
        : [];
    }
    if (!phase) return [{ field: 'singlePhase', message: 'singlePhase: name the phase to run alone with restorationPhase' }];
    if (phase === 'TRUNCATE' || phase === 'CLEANUP') {
      return [
        {
          field: 'singlePhase',
          message: `singlePhase: ${phase} cannot run alone cluster-wide (it works from INIT's findings of the same restore); not supported`,
        },
      ];
    }
    if (phase === 'IMPORT' && !this.import?.sourceDir) {
      return [
        {
          field: 'import.sourceDir',
          message: 'import.sourceDir: a single-phase IMPORT imports what a single-phase DOWNLOAD staged there; name that directory',
        },
      ];
    }
    return [];
  }
}

/** The phases a global restore may name to run the whole restore (Icarus 1.x began at DOWNLOAD). */
export const RESTORE_STARTING_PHASES: readonly string[] = ['INIT', 'DOWNLOAD'] satisfies Array<(typeof RESTORATION_PHASES)[number]>;

export class CommitLogBackupRequest extends StorageOperationRequest {
  override type = 'commitlog-backup' as const;

  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) commitLog?: string;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) commitLogArchiveOverride?: string;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) cassandraCommitLogDirectory?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() online?: boolean;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => BandwidthDto) bandwidth?: BandwidthDto;
  @IsOptional() @EmptyAsUndefined() @IsString() @IsDuration() duration?: string;
  /** Daedalus's own (Icarus has none): delete each archived segment once it is verified in the store. */
  @IsOptional() @LenientBoolean() @IsBoolean() deleteUploadedSegments?: boolean;

  crossFieldErrors(): Array<{ field: string; message: string }> {
    if (this.commitLog !== undefined && this.online) {
      return [{ field: 'online', message: 'online: a request naming one segment (commitLog) uploads only that segment; leave online out' }];
    }
    return [];
  }
}

export class CommitLogRestoreRequest extends StorageOperationRequest {
  override type = 'commitlog-restore' as const;

  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) cassandraCommitLogDirectory?: string;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) cassandraConfigDirectory?: string;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) commitlogDownloadDir?: string;
  @IsOptional() @LenientNumber() @IsInt() @Min(0) timestampStart?: number;
  @IsOptional() @LenientNumber() @IsInt() @Min(0) timestampEnd?: number;
  @IsOptional() @CommaSeparatedList() @IsArray() @IsString({ each: true }) keyspaceTables?: string[];

  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (this.timestampEnd === undefined) {
      errors.push({ field: 'timestampEnd', message: 'timestampEnd is required: the point in time (ms since the epoch) to replay up to' });
    } else if (this.timestampEnd % 1000 !== 0) {
      const down = Math.floor(this.timestampEnd / 1000) * 1000;
      errors.push({
        field: 'timestampEnd',
        message:
          `timestampEnd must be a whole second: Cassandra's restore_point_in_time has second precision ` +
          `(send ${down} or ${down + 1000} to choose which writes of that second are replayed)`,
      });
    }
    if (this.timestampStart !== undefined && this.timestampEnd !== undefined && this.timestampStart > this.timestampEnd) {
      errors.push({ field: 'timestampStart', message: 'timestampStart must not be after timestampEnd' });
    }
    if (this.keyspaceTables !== undefined && this.keyspaceTables.length > 0) {
      errors.push(
        notSupported(
          'keyspaceTables',
          'commitlog_archiving.properties has no table filter (Cassandra takes one only as the JVM option -Dcassandra.replayList); every table is replayed',
        ),
      );
    }
    if (this.cassandraCommitLogDirectory !== undefined) {
      errors.push(
        notSupported(
          'cassandraCommitLogDirectory',
          "Cassandra's restore_command copies the segments into its own commitlog_directory (cassandra.yaml); the restore never writes there",
        ),
      );
    }
    return errors;
  }
}

export class ListRequest extends StorageOperationRequest {
  override type = 'list' as const;

  /** Esop's command-line options that make no sense for an API answering JSON from the store itself. */
  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (this.resolveNodes)
      errors.push(notSupported('resolveNodes', 'the listing names nodes by host ID and dc (see GET /topology for addresses)'));
    if (this.humanUnits) errors.push(notSupported('humanUnits', 'sizes are always in bytes'));
    if (this.json === false) errors.push(notSupported('json', "false is not supported: the listing is the operation's JSON response"));
    if (this.toFile !== undefined)
      errors.push(notSupported('toFile', "the listing is the operation's response, never written to a node's file"));
    if (this.cacheDir !== undefined) errors.push(notSupported('cacheDir', 'the listing reads the store itself and keeps no cache'));
    if (this.timeout !== undefined) errors.push(notSupported('timeout', 'a listing reads a few small documents; it has no timeout to set'));
    if (this.skipDownload)
      errors.push(notSupported('skipDownload', 'the listing always reads the manifests from the store (there is no cache)'));
    return errors;
  }

  @IsOptional() @LenientBoolean() @IsBoolean() resolveNodes?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() json?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() humanUnits?: boolean;
  @IsOptional() @LenientNumber() @IsInt() @Min(0) fromTimestamp?: number;
  @IsOptional() @LenientNumber() @IsInt() @Min(1) lastN?: number;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) cacheDir?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() skipDownload?: boolean;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) toFile?: string;
}

/** The ways a remove-backup request names what goes: exactly one is required. */
export const REMOVE_BACKUP_SELECTORS = ['backupName', 'removeOldest', 'olderThan', 'retention'] as const;

export class RemoveBackupRequest extends StorageOperationRequest {
  override type = 'remove-backup' as const;

  /** Exactly one selector; Esop's cache options and `resolveNodes` have nothing to act on here. */
  crossFieldErrors(): Array<{ field: string; message: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    const given = REMOVE_BACKUP_SELECTORS.filter((field) =>
      field === 'removeOldest' ? this.removeOldest === true : this[field] !== undefined,
    );
    if (given.length !== 1) {
      errors.push({
        field: given.length === 0 ? REMOVE_BACKUP_SELECTORS.join('|') : given.join('|'),
        message:
          given.length === 0
            ? `one of ${REMOVE_BACKUP_SELECTORS.join(', ')} is required: it says which backups to remove`
            : `${given.join(', ')}: give exactly one of ${REMOVE_BACKUP_SELECTORS.join(', ')}`,
      });
    }
    if (this.resolveNodes)
      errors.push(
        notSupported(
          'resolveNodes',
          "a removal takes the backup's nodes from its cluster record and index entries; there is nothing to resolve",
        ),
      );
    if (this.cacheDir !== undefined)
      errors.push(notSupported('cacheDir', 'the removal reads the manifests from the store itself and keeps no cache'));
    if (this.skipDownload)
      errors.push(notSupported('skipDownload', 'the removal always reads the manifests from the store (there is no cache)'));
    if (this.olderThan !== undefined && !/^\d+\s*(second|minute|hour|day)s?$/i.test(this.olderThan))
      errors.push({ field: 'olderThan', message: 'olderThan must be "<n> <seconds|minutes|hours|days>", e.g. "3 days"' });
    if (this.retention !== undefined) errors.push(...retentionPolicyErrors(this.retention, 'retention'));
    return errors;
  }

  @IsOptional() @EmptyAsUndefined() @IsSafeName() backupName?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() dry?: boolean;
  @IsOptional() @LenientBoolean() @IsBoolean() removeOldest?: boolean;
  @IsOptional()
  @EmptyAsUndefined()
  @Matches(/^\d+\s*[A-Za-z]+$/, { message: 'olderThan must look like "3 days"' })
  olderThan?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() resolveNodes?: boolean;
  @IsOptional() @EmptyAsUndefined() @IsString() @MaxLength(4096) cacheDir?: string;
  @IsOptional() @LenientBoolean() @IsBoolean() skipDownload?: boolean;
  /** the fourth selector: remove what this policy does not keep (`applyRetention`) */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RetentionPolicy) retention?: RetentionPolicy;
}
