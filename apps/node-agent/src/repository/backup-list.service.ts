import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  assertSupportedSchemaVersion,
  ListBackupsReply,
  ListBackupsRequest,
  QueueGroups,
  SCHEMA_VERSION,
  Subjects,
} from '@daedalus/contracts';
import { NATS_CONNECTION } from '@daedalus/messaging';
import { errorMessage } from '@daedalus/common';
import { LocationError } from '@daedalus/storage';
import { OperationRejectedError } from '../operations/executor';
import { listBackupsAt } from './backup-catalog';

/**
 * Answers "which backups are under this location?" on core NATS, for the gateway's GET /backups and for
 * direct clients. Any one agent answers (queue group): every agent reads the same store.
 */
@Injectable()
export class BackupListService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BackupListService.name);
  private subscription?: Subscription;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(Subjects.listBackups, {
      queue: QueueGroups.agents,
      callback: (error, msg) => {
        if (error) return this.logger.warn(`list subscription: ${errorMessage(error)}`);
        void this.answer(msg.data).then((reply) => msg.respond(JSON.stringify(reply)));
      },
    });
  }

  async answer(data: Uint8Array): Promise<ListBackupsReply> {
    try {
      const request = JSON.parse(new TextDecoder().decode(data)) as Partial<ListBackupsRequest>;
      assertSupportedSchemaVersion(request.schemaVersion);
      if (typeof request.storageLocation !== 'string') throw new OperationRejectedError('storageLocation is required');
      const backups = await listBackupsAt(request.storageLocation, { lastN: request.lastN, fromTimestamp: request.fromTimestamp });
      return { schemaVersion: SCHEMA_VERSION, ok: true, backups };
    } catch (error) {
      const invalid = error instanceof OperationRejectedError || error instanceof LocationError || error instanceof SyntaxError;
      return { schemaVersion: SCHEMA_VERSION, ok: false, invalid, error: errorMessage(error) };
    }
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
