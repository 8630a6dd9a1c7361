import { RestoreLedgerFact } from '@daedalus/contracts';
import { ExecutionContext } from '../executor';

export interface ProgressReport {
  fraction: number;
  message?: string;
  phase?: string;
}

/** An ExecutionContext for unit tests that keeps every progress report and ledger fact, and can be cancelled. */
export function recordingContext(): { context: ExecutionContext; reports: ProgressReport[]; facts: RestoreLedgerFact[]; cancel(): void } {
  const controller = new AbortController();
  const reports: ProgressReport[] = [];
  const facts: RestoreLedgerFact[] = [];
  return {
    context: {
      operationId: 'op-1',
      signal: controller.signal,
      progress: async (fraction, message, phase) => {
        reports.push({ fraction, message, phase });
      },
      reportLedger: async (fact) => {
        facts.push(fact);
      },
    },
    reports,
    facts,
    cancel: () => controller.abort(),
  };
}

/** Polls `check` every few milliseconds until it holds (at most `timeoutMs`). */
export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
