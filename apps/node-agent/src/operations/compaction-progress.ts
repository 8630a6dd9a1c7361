import { CassandraNode, COMPACTION_TASK_TYPES, CompactionKind, CompactionTask, SSTABLE_OP_STATUS } from '../cassandra/cassandra-node';
import { ExecutionContext } from './executor';
import { watchWhileRunning } from './watch';

/** The part of the range the compaction readings cover; the rest is the call's start and its answer. */
const CEILING = 0.95;

/**
 * Progress of one all-SSTable operation (cleanup, scrub, upgradesstables) over the tables it covers, from
 * CompactionManager's `Compactions` readings: per table, completed/total of its running tasks; a table seen
 * running and then gone counts as done. Never goes backwards (Cassandra may run a table's SSTables as
 * several tasks one after another, so a table can reappear with a smaller fraction).
 */
export class CompactionProgress {
  private readonly tables: Set<string>;
  private readonly fractions = new Map<string, number>();
  private readonly taskType: string;
  private reported = 0;

  constructor(
    private readonly keyspace: string,
    tables: string[],
    kind: CompactionKind,
  ) {
    this.tables = new Set(tables);
    this.taskType = COMPACTION_TASK_TYPES[kind];
  }

  /** Folds one reading in and returns the overall fraction (0..CEILING). */
  update(tasks: CompactionTask[]): number {
    const mine = tasks.filter((t) => t.keyspace === this.keyspace && t.taskType === this.taskType && this.tables.has(t.table));
    const running = new Map<string, { completed: number; total: number }>();
    for (const task of mine) {
      const sum = running.get(task.table) ?? { completed: 0, total: 0 };
      running.set(task.table, { completed: sum.completed + task.completed, total: sum.total + task.total });
    }
    for (const table of this.fractions.keys()) if (!running.has(table)) this.fractions.set(table, 1);
    for (const [table, { completed, total }] of running) {
      const fraction = total > 0 ? Math.min(1, completed / total) : 0;
      this.fractions.set(table, Math.max(this.fractions.get(table) ?? 0, fraction));
    }
    const sum = [...this.fractions.values()].reduce((a, b) => a + b, 0);
    this.reported = Math.max(this.reported, this.tables.size > 0 ? (sum / this.tables.size) * CEILING : 0);
    return this.reported;
  }

  /** e.g. "Cleanup: 2 of 5 tables done" */
  describe(): string {
    const done = [...this.fractions.values()].filter((f) => f >= 1).length;
    return `${this.taskType}: ${done} of ${this.tables.size} table(s) done`;
  }
}

export interface CompactionRun {
  node: CassandraNode;
  kind: CompactionKind;
  keyspace: string;
  /** every table the operation covers (the keyspace's tables when the request named none) */
  tables: string[];
  context: ExecutionContext;
  pollIntervalMs: number;
}

/**
 * Runs an all-SSTable operation, reporting progress from CompactionManager while it runs and, on cancel,
 * asking Cassandra to stop it with `stopCompaction(kind)`. The call's status must be SUCCESSFUL.
 */
export async function runCompactionOperation(run: CompactionRun, call: () => Promise<number>): Promise<void> {
  const { node, kind, keyspace, context } = run;
  const progress = new CompactionProgress(keyspace, run.tables, kind);
  let last = 0;
  const status = await watchWhileRunning(call(), {
    intervalMs: run.pollIntervalMs,
    signal: context.signal,
    poll: async () => {
      const fraction = progress.update(await node.compactions());
      if (fraction - last >= 0.01) {
        last = fraction;
        await context.progress(fraction, progress.describe());
      }
    },
    onAbort: () => node.stopCompaction(kind),
  });
  if (status !== 0) {
    const name = SSTABLE_OP_STATUS[status] ?? `status ${status}`;
    const why = status === 2 ? ': Cassandra could not pause the compactions already running on these tables; try again later' : '';
    throw new Error(`Cassandra answered ${name} for ${COMPACTION_TASK_TYPES[kind].toLowerCase()} of keyspace ${keyspace}${why}`);
  }
}
