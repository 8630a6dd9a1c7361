import { Controller, Get, Query, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Channels, ListBackupsReplyMessage, ListBackupsRequest, SCHEMA_VERSION } from '@daedalus/contracts';
import { NatsRequester } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { badRequest } from '../http/bad-request';

const LIST_TIMEOUT_MS = 60_000;

function optionalInteger(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest([{ field, message: `${field} must be a non-negative integer` }]);
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
  async list(
    @Query('storageLocation') storageLocation?: string,
    @Query('lastN') lastN?: string,
    @Query('fromTimestamp') fromTimestamp?: string,
  ) {
    if (!storageLocation) throw badRequest([{ field: 'storageLocation', message: 'storageLocation is required' }]);
    const request: ListBackupsRequest = {
      schemaVersion: SCHEMA_VERSION,
      storageLocation,
      lastN: optionalInteger(lastN, 'lastN'),
      fromTimestamp: optionalInteger(fromTimestamp, 'fromTimestamp'),
    };
    let reply: ListBackupsReplyMessage;
    try {
      reply = await this.requester.request(Channels.listBackups, request, { timeoutMs: LIST_TIMEOUT_MS });
    } catch (error) {
      throw new ServiceUnavailableException(`no node agent answered the listing: ${errorMessage(error)}`);
    }
    if (reply.ok) return reply.backups ?? [];
    if (reply.invalid) throw badRequest([{ field: 'storageLocation', message: reply.error ?? 'invalid storage location' }]);
    throw new ServiceUnavailableException(`listing failed: ${reply.error}`);
  }
}
