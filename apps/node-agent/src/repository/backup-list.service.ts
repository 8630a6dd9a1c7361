import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ListBackupsReply, ListBackupsRequest, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { isStorageError, LocationError } from '@daedalus/storage';
import { OperationRejectedError } from '../operations/executor';
import { listBackupsAt } from './backup-catalog';

/**
 * Answers "which backups are under this location?" on core NATS, for the gateway's GET /backups and for
 * direct clients. Any one agent answers (queue group): every agent reads the same store. A request that is
 * not a ListBackups message is answered `invalid` by the transport.
 */
@Controller()
export class BackupListService {
  @MessagePattern(Subjects.listBackups)
  async answer(@Payload() request: ListBackupsRequest): Promise<ListBackupsReply> {
    try {
      const backups = await listBackupsAt(request.storageLocation, { lastN: request.lastN, fromTimestamp: request.fromTimestamp });
      return { schemaVersion: SCHEMA_VERSION, ok: true, backups };
    } catch (error) {
      // a bucket that does not exist is the request's fault too: the gateway answers 404, not "unavailable"
      const notFound = isStorageError(error) && error.kind === 'not-found';
      const invalid = notFound || error instanceof OperationRejectedError || error instanceof LocationError;
      return { schemaVersion: SCHEMA_VERSION, ok: false, invalid, notFound, error: errorMessage(error) };
    }
  }
}
