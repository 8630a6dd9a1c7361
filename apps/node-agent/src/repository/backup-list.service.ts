import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { fileStoreDirectory, ListBackupsReply, ListBackupsRequest, SCHEMA_VERSION, Subjects } from '@daedalus/contracts';
import { errorMessage } from '@daedalus/common';
import { isStorageError, LocationError } from '@daedalus/storage';
import { OperationRejectedError } from '../operations/executor';
import { listBackupsAt } from './backup-catalog';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { confine } from '../paths/confinement';

/**
 * Answers "which backups are under this location?" on core NATS, for the gateway's GET /backups and for
 * direct clients. Any one agent answers (queue group): every agent reads the same store. A request that is
 * not a ListBackups message is answered `invalid` by the transport.
 */
@Controller()
export class BackupListService {
  constructor(private readonly identity: NodeRegistrationService) {}

  @MessagePattern(Subjects.listBackups)
  async answer(@Payload() request: ListBackupsRequest): Promise<ListBackupsReply> {
    try {
      const store = fileStoreDirectory(request.storageLocation);
      // a file:// store only within this agent's roots (the answer is then `invalid`: the gateway's 400)
      if (store !== undefined) await confine({ field: 'storageLocation', path: store, kind: 'fileStores' }, this.identity.roots.fileStores);
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
