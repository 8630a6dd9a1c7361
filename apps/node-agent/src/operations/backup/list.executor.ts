import { ListRequest } from '@daedalus/contracts';
import { ExecutionContext, OperationExecutor } from '../executor';
import { BackupSummary, listBackupsAt } from '../../repository/backup-catalog';
import { OperationExecutorFor } from '../executor-discovery';

/** Icarus `list`: the backups under a storage location; the result is the operation's `response`. */
@OperationExecutorFor('list')
export class ListExecutor implements OperationExecutor<ListRequest> {
  readonly type = 'list' as const;

  async execute(request: ListRequest, context: ExecutionContext): Promise<{ backups: BackupSummary[] }> {
    await context.progress(0.1, 'listing');
    const filter = { fromTimestamp: request.fromTimestamp, lastN: request.lastN };
    return { backups: await listBackupsAt(request.storageLocation, filter, request) };
  }
}
