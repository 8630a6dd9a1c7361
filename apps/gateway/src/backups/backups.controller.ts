import { Controller, Get, Query, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  Channels,
  hasControlCharacters,
  ListBackupsReplyMessage,
  ListBackupsRequest,
  SCHEMA_VERSION,
  storageLocationProblem,
} from '@daedalus/contracts';
import { NatsRequester } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { BackupSummaryView } from '../docs/response-views';
import { badRequest, notFound } from '../http/bad-request';
import { QueryParams, rejectUnknownParams, singleParam } from '../http/query';

const LIST_TIMEOUT_MS = 60_000;

const LIST_PARAMS = ['storageLocation', 'lastN', 'fromTimestamp'] as const;

function optionalInteger(query: QueryParams, field: string): number | undefined {
  const value = singleParam(query, field);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badRequest([{ field, message: `${field} must be a non-negative integer` }]);
  return Number(value);
}

/** The backups under a storage location, answered by any node agent over NATS (they hold the storage credentials). */
@ApiTags('backups')
@Controller('backups')
export class BackupsController {
  constructor(private readonly requester: NatsRequester) {}

  @Get()
  @ApiOperation({ summary: 'List backups: name, time, nodes complete / expected, total size, bytes added, complete' })
  @ApiQuery({ name: 'storageLocation', required: true, example: 's3://bucket or s3://bucket/cluster' })
  @ApiQuery({ name: 'lastN', required: false })
  @ApiQuery({ name: 'fromTimestamp', required: false, description: 'epoch milliseconds' })
  @ApiOkResponse({ type: [BackupSummaryView] })
  async list(@Query() query: QueryParams): Promise<BackupSummaryView[]> {
    rejectUnknownParams(query, LIST_PARAMS);
    const storageLocation = singleParam(query, 'storageLocation');
    if (!storageLocation) throw badRequest([{ field: 'storageLocation', message: 'storageLocation is required' }]);
    // a malformed location is refused here, without asking an agent (and never reaches their logs)
    const malformed =
      storageLocation.length > 2048
        ? 'storageLocation may be at most 2048 characters'
        : hasControlCharacters(storageLocation)
          ? 'storageLocation may not contain control characters'
          : storageLocationProblem(storageLocation);
    if (malformed) throw badRequest([{ field: 'storageLocation', message: malformed }]);
    const request: ListBackupsRequest = {
      schemaVersion: SCHEMA_VERSION,
      storageLocation,
      lastN: optionalInteger(query, 'lastN'),
      fromTimestamp: optionalInteger(query, 'fromTimestamp'),
    };
    let reply: ListBackupsReplyMessage;
    try {
      reply = await this.requester.request(Channels.listBackups, request, { timeoutMs: LIST_TIMEOUT_MS });
    } catch (error) {
      throw new ServiceUnavailableException(`no node agent answered the listing: ${errorMessage(error)}`);
    }
    // the agents' listing (apps/node-agent/src/repository/backup-catalog.ts BackupSummary), checked by the conformance test
    if (reply.ok) return (reply.backups ?? []) as BackupSummaryView[];
    if (reply.notFound) throw notFound('storageLocation', reply.error ?? 'the storage location does not exist');
    if (reply.invalid) throw badRequest([{ field: 'storageLocation', message: reply.error ?? 'invalid storage location' }]);
    throw new ServiceUnavailableException(`listing failed: ${reply.error}`);
  }
}
