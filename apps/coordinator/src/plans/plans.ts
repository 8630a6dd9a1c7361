import { backupPlan } from './backup.plan';
import { commitLogPlan } from './commitlog.plan';
import { OperationPlan, singlePhasePlan } from './operation-plan';
import { removeBackupPlan } from './remove-backup.plan';
import { restorePlan } from './restore.plan';
import { truncatePlan } from './truncate.plan';

const PLANS: Readonly<Record<string, OperationPlan>> = {
  backup: backupPlan,
  restore: restorePlan,
  truncate: truncatePlan,
  'commitlog-backup': commitLogPlan,
  'commitlog-restore': commitLogPlan,
  'remove-backup': removeBackupPlan,
};

export function planFor(type: string): OperationPlan {
  return PLANS[type] ?? singlePhasePlan;
}
