import 'reflect-metadata';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { Doc, IsSchemaVersion, Opaque } from '../message-dto';

const SCHEMA_VERSION_DOC = 'major.minor; a consumer accepts any minor of a major it knows';
export const SCHEDULE_ACTIONS = ['create', 'replace', 'delete', 'get', 'list'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** Request on `daedalus.schedules.manage`. */
@Doc('Define, change, read or delete a schedule, as /schedules does; any one coordinator answers (queue group `coordinators`).')
export class ManageScheduleRequest {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @Doc('what to do', { enum: [...SCHEDULE_ACTIONS] })
  @IsIn([...SCHEDULE_ACTIONS])
  action!: ScheduleAction;

  @Doc('the schedule (replace, delete, get)')
  @ValidateIf((request: ManageScheduleRequest) => ['replace', 'delete', 'get'].includes(request.action))
  @IsString()
  @MaxLength(200)
  id?: string;

  @Doc('the definition (create, replace): the POST/PUT /schedules body, validated as there', { type: 'object' })
  @IsOptional()
  @Opaque()
  definition?: Record<string, unknown>;

  @Doc('who asks, kept as the schedule createdBy (create)')
  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestedBy?: string;
}

/** Reply on `daedalus.schedules.manage`: the answer `/schedules` gives, with its HTTP status. */
@Doc('`ok: true` with the schedule (or the list); `ok: false` with the status and the fields at fault, as over HTTP.')
export class ManageScheduleReply {
  @Doc(SCHEMA_VERSION_DOC)
  @IsSchemaVersion()
  schemaVersion!: string;

  @IsBoolean()
  ok!: boolean;

  @Doc('the HTTP status the same request gets from /schedules (201, 200, 204, 400, 404, 409)')
  @IsInt()
  status!: number;

  @Doc('create, replace, get: the schedule as GET /schedules/{id} shows it', { type: 'object' })
  @IsOptional()
  @Opaque()
  schedule?: Record<string, unknown>;

  @Doc('list: every schedule', { type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray()
  schedules?: unknown[];

  @Doc('when not ok: each field at fault', { type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray()
  errors?: unknown[];

  @Doc('when not ok: why')
  @IsOptional()
  @IsString()
  error?: string;
}
