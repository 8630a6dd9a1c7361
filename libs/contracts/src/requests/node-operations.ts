import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsAbsolutePath, IsCassandraName, IsDataCenterName } from './identifiers';
import { BaseOperationRequest } from './common';
import { CommaSeparatedList, EmptyAsUndefined, LenientBoolean, LenientNumber } from './lenient';

abstract class KeyspaceTablesRequest extends BaseOperationRequest {
  @IsCassandraName()
  keyspace!: string;

  /** Icarus sends a list; some clients send one comma-separated string. Both are accepted. */
  @IsOptional()
  @CommaSeparatedList()
  @IsArray()
  @IsCassandraName({ each: true })
  tables?: string[];
}

export class FlushRequest extends KeyspaceTablesRequest {
  override type = 'flush' as const;
}

export class CleanupRequest extends KeyspaceTablesRequest {
  override type = 'cleanup' as const;

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(0)
  @Max(64)
  jobs?: number;
}

export class ScrubRequest extends KeyspaceTablesRequest {
  override type = 'scrub' as const;

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(0)
  @Max(64)
  jobs?: number;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  disableSnapshot?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  skipCorrupted?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  noValidate?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  reinsertOverflowedTTL?: boolean;
}

export class UpgradeSSTablesRequest extends KeyspaceTablesRequest {
  override type = 'upgradesstables' as const;

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(0)
  @Max(64)
  jobs?: number;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  includeAllSStables?: boolean;
}

export class RefreshRequest extends BaseOperationRequest {
  override type = 'refresh' as const;

  @IsCassandraName()
  keyspace!: string;

  @IsCassandraName()
  table!: string;
}

export class TruncateRequest extends BaseOperationRequest {
  override type = 'truncate' as const;

  @IsCassandraName()
  keyspace!: string;

  @IsCassandraName()
  table!: string;
}

export class ImportRequest extends BaseOperationRequest {
  override type = 'import' as const;

  @IsCassandraName()
  keyspace!: string;

  @IsCassandraName()
  table!: string;

  /** Accepted as another name for sourceDir (used when sourceDir is absent). */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(4096)
  @IsAbsolutePath()
  tablePath?: string;

  /** The directory on the node that holds the SSTables to import. */
  @ValidateIf((o: ImportRequest) => o.sourceDir !== undefined || o.tablePath === undefined)
  @EmptyAsUndefined()
  @IsDefined({ message: 'sourceDir is required: the directory on the node that holds the SSTables to import' })
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
  /** Daedalus extension (nodetool import --copy-data): copy the files in and leave the source directory intact. */
  @IsOptional() @LenientBoolean() @IsBoolean() copyData?: boolean;
}

export class TokenRangeDto {
  @IsString()
  @MaxLength(64)
  start!: string;

  @IsString()
  @MaxLength(64)
  end!: string;
}

export class RebuildRequest extends BaseOperationRequest {
  override type = 'rebuild' as const;

  /** Optional, except that Cassandra accepts specificTokens only together with a keyspace. */
  @ValidateIf((o: RebuildRequest) => o.keyspace !== undefined || (o.specificTokens?.length ?? 0) > 0)
  @EmptyAsUndefined()
  @IsDefined({ message: 'keyspace is required when specificTokens is given' })
  @IsCassandraName()
  keyspace?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @IsDataCenterName()
  sourceDC?: string;

  @IsOptional()
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TokenRangeDto)
  specificTokens?: TokenRangeDto[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  specificSources?: string[];
}

export class DecommissionRequest extends BaseOperationRequest {
  override type = 'decommission' as const;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  force?: boolean;
}

export class DrainRequest extends BaseOperationRequest {
  override type = 'drain' as const;
}
