import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  BackupRequest,
  CommitLogBackupRequest,
  CommitLogRestoreRequest,
  ListRequest,
  RemoveBackupRequest,
  RestoreRequest,
} from './backup-restore';
import {
  CleanupRequest,
  DecommissionRequest,
  DrainRequest,
  FlushRequest,
  ImportRequest,
  RebuildRequest,
  RefreshRequest,
  ScrubRequest,
  TruncateRequest,
  UpgradeSSTablesRequest,
} from './node-operations';
import { StorageOperationRequest } from './common';
import { VerifyRequest } from './verify';
import { rawJsonProblem } from './raw-json-guard';
import { storageFieldErrors } from './storage-features';
import { flattenValidationErrors } from './validation-errors';
import { parallelRequestErrors } from '../lifecycle/turns';

/** Every operation type Icarus knows (and Daedalus's own: verify), with the DTO that validates it. */
export const OPERATION_REQUEST_TYPES = {
  backup: BackupRequest,
  restore: RestoreRequest,
  'commitlog-backup': CommitLogBackupRequest,
  'commitlog-restore': CommitLogRestoreRequest,
  list: ListRequest,
  'remove-backup': RemoveBackupRequest,
  import: ImportRequest,
  truncate: TruncateRequest,
  cleanup: CleanupRequest,
  flush: FlushRequest,
  refresh: RefreshRequest,
  scrub: ScrubRequest,
  upgradesstables: UpgradeSSTablesRequest,
  rebuild: RebuildRequest,
  decommission: DecommissionRequest,
  drain: DrainRequest,
  verify: VerifyRequest,
} as const;

export type OperationType = keyof typeof OPERATION_REQUEST_TYPES;
export type OperationRequest = InstanceType<(typeof OPERATION_REQUEST_TYPES)[OperationType]>;

/**
 * The types this build executes. The others are recognised and answered with "not supported yet"
 * rather than a generic error, so clients can tell a missing feature from a bad request.
 */
export const IMPLEMENTED_OPERATION_TYPES: ReadonlySet<OperationType> = new Set<OperationType>([
  'flush',
  'cleanup',
  'scrub',
  'upgradesstables',
  'refresh',
  'import',
  'truncate',
  'rebuild',
  'decommission',
  'drain',
  'backup',
  'list',
  'restore',
  'verify',
  'commitlog-backup',
  'commitlog-restore',
  'remove-backup',
]);

export function isOperationType(value: string): value is OperationType {
  return Object.prototype.hasOwnProperty.call(OPERATION_REQUEST_TYPES, value);
}

export interface FieldError {
  field: string;
  message: string;
}

export type RequestRejection = 'invalid' | 'unknown-type' | 'not-supported';

export class RequestValidationError extends Error {
  constructor(
    readonly reason: RequestRejection,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'RequestValidationError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates an operation request as a client sent it (HTTP body or NATS payload) and returns the typed,
 * normalised request. Throws RequestValidationError naming each offending field.
 */
export function parseOperationRequest(body: unknown): OperationRequest {
  if (!isPlainObject(body)) {
    throw new RequestValidationError('invalid', [{ field: 'body', message: 'body must be a JSON object' }]);
  }
  // before class-transformer: it recurses (a deep body overflows the stack) and assigns keys as given
  const shapeProblem = rawJsonProblem(body);
  if (shapeProblem) throw new RequestValidationError('invalid', [shapeProblem]);
  const rawType = body.type;
  if (typeof rawType !== 'string' || rawType.trim() === '') {
    throw new RequestValidationError('invalid', [{ field: 'type', message: 'type is required and must be a string' }]);
  }
  const type = rawType.trim().toLowerCase();
  if (!isOperationType(type)) {
    const known = Object.keys(OPERATION_REQUEST_TYPES).join(', ');
    throw new RequestValidationError('unknown-type', [
      { field: 'type', message: `type "${rawType.slice(0, 64)}" is not an operation type (known: ${known})` },
    ]);
  }
  if (!IMPLEMENTED_OPERATION_TYPES.has(type)) {
    throw new RequestValidationError('not-supported', [
      { field: 'type', message: `operation type "${type}" is recognised but not supported yet by this Daedalus version` },
    ]);
  }
  const dto = plainToInstance(OPERATION_REQUEST_TYPES[type] as new () => OperationRequest, { ...body, type });
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new RequestValidationError('invalid', flattenValidationErrors(errors));
  const crossField = [
    ...(dto instanceof StorageOperationRequest ? storageFieldErrors(dto) : []),
    ...parallelRequestErrors(dto),
    ...('crossFieldErrors' in dto && typeof dto.crossFieldErrors === 'function' ? (dto.crossFieldErrors as () => FieldError[])() : []),
  ];
  if (crossField.length > 0) throw new RequestValidationError('invalid', crossField);
  return dto;
}
