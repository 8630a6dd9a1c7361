import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsDataCenterName } from './identifiers';
import type { ParallelLimit } from './parallel';
import type { MaintenanceWindow } from './maintenance-window';
import { Doc } from '../message-dto';
import { EmptyAsUndefined, LenientBoolean, LenientEnum, LenientNumber, LowercaseId } from './lenient';
import { IsSecretString } from './secret-field';
import { IsStorageLocation } from './storage-location';

/** Fields every request may carry. */
export abstract class BaseOperationRequest {
  @IsString()
  type!: string;

  /** Client-chosen operation id: submitting the same id twice yields one operation. */
  @IsOptional()
  @LowercaseId()
  @IsUUID()
  id?: string;

  /** Icarus: when true, the operation runs on every node (of `dc`, when given). */
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  globalRequest?: boolean;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @IsDataCenterName()
  dc?: string;

  /** Daedalus extension: the node (Cassandra host ID) a local request is for. */
  @IsOptional()
  @LowercaseId()
  @IsUUID()
  hostId?: string;

  /** Daedalus extension: the node (listen address) a local request is for, when hostId is absent. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(253)
  address?: string;

  /**
   * Daedalus extension: how many nodes of a data center run the operation's node-by-node phase at once (a
   * number for every data center, or `{dc: n}`). Its shape and where it applies are checked by
   * `parallelRequestErrors` (lifecycle/turns.ts), which names `parallel` or `parallel.<dc>`.
   */
  @IsOptional()
  @Allow()
  @Doc(
    'Daedalus extension (global requests): at most n nodes of a data center run the node-by-node phase at once ' +
      '(backup UPLOAD, restore DOWNLOAD and IN_PLACE, cleanup, flush, scrub, upgradesstables, refresh, rebuild, verify); ' +
      'a number for every data center or {dc: n}. Waiting nodes show state WAITING. 400 naming parallel elsewhere.',
    {
      oneOf: [
        { type: 'integer', minimum: 1, maximum: 1000 },
        { type: 'object', additionalProperties: { type: 'integer', minimum: 1, maximum: 1000 } },
      ],
    },
  )
  parallel?: ParallelLimit;

  /**
   * Daedalus extension (global requests, where `parallel` applies): nodes start their work only inside the
   * window, and a pausable phase still running at its end is paused until the next one. Checked by `parallelRequestErrors` (lifecycle/turns.ts), naming `maintenanceWindow.<field>`.
   */
  @IsOptional()
  @Allow()
  @Doc(
    'Daedalus extension (global requests, the phases parallel applies to): a node starts its work only inside the window ' +
      '(start: 5-field cron or HH:MM; duration: ISO-8601 or 2h/90m/30s; timeZone: IANA, default UTC). Nodes outside it show ' +
      'WAITING with the time the window opens. Work of a pausable phase (backup UPLOAD, restore DOWNLOAD, verify) still running ' +
      'when the window closes is paused at a safe point (PAUSED) and resumed in the next window; other work runs to its end.',
    {
      type: 'object',
      required: ['start', 'duration'],
      properties: { start: { type: 'string' }, duration: { type: 'string' }, timeZone: { type: 'string' } },
    },
  )
  maintenanceWindow?: MaintenanceWindow;
}

export const BANDWIDTH_UNITS = ['BPS', 'KBPS', 'MBPS', 'GBPS'] as const;

export class BandwidthDto {
  @LenientNumber()
  @IsInt()
  @Min(1)
  value!: number;

  @LenientEnum(BANDWIDTH_UNITS)
  @IsIn(BANDWIDTH_UNITS)
  unit!: (typeof BANDWIDTH_UNITS)[number];
}

export const RETRY_STRATEGIES = ['LINEAR', 'EXPONENTIAL'] as const;

export class RetryDto {
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  enabled?: boolean;

  /** seconds between attempts (Icarus) */
  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(0)
  @Max(3600)
  interval?: number;

  @IsOptional()
  @LenientEnum(RETRY_STRATEGIES)
  @IsIn(RETRY_STRATEGIES)
  strategy?: (typeof RETRY_STRATEGIES)[number];

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts?: number;
}

/** The proxy settings this API types as other than strings (a client may send them as strings). */
export const PROXY_TYPED_FIELDS = ['useProxy', 'proxyPort'] as const;

/** `proxyUsername` and `proxyPassword` are secrets: sealed past the gateway, redacted everywhere (docs/design.md). */
export class ProxySettingsDto {
  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  useProxy?: boolean;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(253)
  proxyHost?: string;

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  proxyPort?: number;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(16)
  proxyProtocol?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsSecretString(256)
  proxyUsername?: string;

  @IsOptional()
  @EmptyAsUndefined()
  @IsSecretString(256)
  proxyPassword?: string;

  /**
   * Set by the gateway, refused from a client: which of the typed fields the client sent as JSON strings
   * (Icarus's spec types every proxy setting as a string and the Go client sends them so), to echo them back
   * in the same types.
   */
  @IsOptional()
  @IsArray()
  @IsIn(PROXY_TYPED_FIELDS, { each: true })
  sentAsText?: Array<(typeof PROXY_TYPED_FIELDS)[number]>;
}

/**
 * Fields shared by the operations that read or write a backup store. Credentials never travel here:
 * they come from the environment of the agent (see docs/design.md).
 */
export abstract class StorageOperationRequest extends BaseOperationRequest {
  @IsStorageLocation()
  @MaxLength(2048)
  storageLocation!: string;

  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(1)
  @Max(1000)
  concurrentConnections?: number;

  /** hours (Icarus) */
  @IsOptional()
  @LenientNumber()
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  timeout?: number;

  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(32)
  metadataDirective?: string;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  insecure?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  createMissingBucket?: boolean;

  @IsOptional()
  @LenientBoolean()
  @IsBoolean()
  skipBucketVerification?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProxySettingsDto)
  proxySettings?: ProxySettingsDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryDto)
  retry?: RetryDto;

  /** A secret (it names the key that protects the backups): sealed past the gateway, redacted everywhere. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsSecretString(2048)
  kmsKeyId?: string;

  /** Accepted for Icarus compatibility; no longer used. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(253)
  k8sNamespace?: string;

  /** Accepted for Icarus compatibility; no longer used. */
  @IsOptional()
  @EmptyAsUndefined()
  @IsString()
  @MaxLength(253)
  k8sSecretName?: string;
}
