import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  admitDue,
  applyNodeEvent,
  errorSource,
  isRestorePastTruncate,
  isNodeFinished,
  isNodeParked,
  isTerminal,
  NodeEventMessage,
  nodesToPause,
  OperationRecord,
  pendingNodes,
  RESTORE_PHASES_AFTER_TRUNCATE,
  resumeRequest,
  SCHEMA_VERSION,
} from '@daedalus/contracts';
import { NodeRegistry, OperationStore, RegisteredNodeView, UntrustedRecordError } from '@daedalus/messaging';
import { Clock, errorMessage, withLogContext } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';
import { planFor } from '../plans/plans';
import { PauseWindows } from '../operations/pause-windows';
import { PeriodicWork } from '../adapters/periodic-work';

export interface SilenceLimits {
  nodeTimeoutMs: number;
  restoreImportGraceMs: number;
}

/** What the sweeper does about one node that owes a result: nothing, note that it waits, or fail it. */
export type SweepVerdict = { action: 'none' } | { action: 'wait'; note: string } | { action: 'fail'; reason: string };

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * A restore whose tables may already be truncated (TRUNCATE, IMPORT, CLEANUP) gives a silent node the longer
 * grace: failing it would leave the tables empty, while an agent restarted in time finishes from its staged
 * files (JetStream redelivers the command it was running).
 */
export function inRestoreGrace(record: OperationRecord): boolean {
  return record.type === 'restore' && RESTORE_PHASES_AFTER_TRUNCATE.includes(record.phase ?? '');
}

/** When the operation must be over: its own `timeout` (hours) or the default, counted from its (last) start. */
export function operationDeadline(record: OperationRecord, defaultTimeoutMs: number): number {
  const hours = 'timeout' in record.request && typeof record.request.timeout === 'number' ? record.request.timeout : undefined;
  const budget = hours !== undefined ? hours * 3600_000 : defaultTimeoutMs;
  return Date.parse(record.resumedAt ?? record.startTime ?? record.creationTime) + budget;
}

/** The sweeper's decision for one node, from its registration (undefined: not registered) and the limits. */
export function sweepVerdict(
  record: OperationRecord,
  hostId: string,
  node: RegisteredNodeView | undefined,
  now: number,
  limits: SilenceLimits & { defaultOperationTimeoutMs: number },
): SweepVerdict {
  const resume = isRestorePastTruncate(record)
    ? `. Its tables may be truncated and its downloads stay staged on the node: start its agent again, then ${resumeRequest(record.id)}`
    : '';
  if (!node) return { action: 'fail', reason: `node ${hostId} is no longer registered${resume}` };
  const age = node.heartbeatAgeMs;
  const timedOut = (): SweepVerdict => {
    const since = Date.parse(record.resumedAt ?? record.startTime ?? record.creationTime);
    return { action: 'fail', reason: `operation timed out after ${seconds(now - since)} s${resume}` };
  };
  if (inRestoreGrace(record) && age > limits.nodeTimeoutMs) {
    if (age > limits.restoreImportGraceMs) {
      return {
        action: 'fail',
        reason:
          `node stopped heartbeating (last heartbeat ${seconds(age)} s ago; a restore in phase ${record.phase ?? ''} ` +
          `waits ${seconds(limits.restoreImportGraceMs)} s for a silent agent, --restore-import-grace-ms)${resume}`,
      };
    }
    if (now > operationDeadline(record, limits.defaultOperationTimeoutMs)) return timedOut();
    return {
      action: 'wait',
      note:
        `agent silent since ${node.registration.heartbeatAt}: a restore in phase ${record.phase ?? ''} waits up to ` +
        `${seconds(limits.restoreImportGraceMs)} s for it to come back before failing`,
    };
  }
  if (age > limits.nodeTimeoutMs) {
    return {
      action: 'fail',
      reason: `node stopped heartbeating (last heartbeat ${seconds(age)} s ago, timeout ${seconds(limits.nodeTimeoutMs)} s)${resume}`,
    };
  }
  if (now > operationDeadline(record, limits.defaultOperationTimeoutMs)) return timedOut();
  return { action: 'none' };
}

/** The node's message says why the operation is waiting (written once, not at every sweep). */
export function noteWaiting(record: OperationRecord, hostId: string, note: string): OperationRecord | undefined {
  const node = record.nodes?.[hostId];
  if (!node || isNodeFinished(node.state) || isTerminal(record.state) || node.message === note) return undefined;
  return { ...record, nodes: { ...record.nodes, [hostId]: { ...node, message: note } } };
}

/**
 * No operation hangs forever: every replica periodically fails the nodes that owe a result but stopped
 * heartbeating, and the operations that ran past their deadline. Replicas racing here is harmless
 * (compare-and-set, and the first terminal result of a node wins).
 */
@Injectable()
export class HeartbeatSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatSweeper.name);
  private readonly periodic = new PeriodicWork(() => this.sweepAll());
  /**
   * When a sweep last failed to read NATS (a server down, leaders being elected, the whole broker restarting).
   * Agents cannot store heartbeats then either: a node's silence is counted from the later of its last
   * heartbeat and this, so a broker outage never fails the nodes it silenced, while a node that stays silent
   * once NATS answers again is failed a node timeout later.
   */
  private brokerTroubleAt?: number;

  constructor(
    private readonly operations: OperationStore,
    private readonly nodes: NodeRegistry,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
    private readonly pauseWindows: PauseWindows,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.sweepIntervalMs);
  }

  onApplicationShutdown(): void {
    this.periodic.stop();
  }

  /** One sweep of every active operation (none while the previous sweep is still going). */
  tick(): Promise<void> {
    return this.periodic.runOnce();
  }

  private async sweepAll(): Promise<void> {
    try {
      const active = (await this.operations.listActive(this.clock.now())).filter((r) => r.nodes);
      if (active.length === 0) return;
      const registry = new Map((await this.nodes.list()).map((n) => [n.registration.hostId, n]));
      for (const record of active) {
        // a record rewritten by another client since it was listed is refused by the store: skip it, it is no outage
        // its lines (and a webhook delivery its failure starts) name the operation and its phase
        const sweep = withLogContext({ operationId: record.id, phase: record.phase }, () => this.sweep(record, registry));
        await sweep.catch((error: unknown) => {
          if (!(error instanceof UntrustedRecordError)) throw error;
          this.logger.warn(`sweep skipped ${record.id}: ${error.message}`);
        });
      }
    } catch (error) {
      this.brokerTroubleAt = this.clock.now().getTime();
      this.logger.warn(`sweep failed: ${errorMessage(error)}`);
    }
  }

  private verdict(record: OperationRecord, hostId: string, node: RegisteredNodeView | undefined): SweepVerdict {
    const now = this.clock.now().getTime();
    const sinceTrouble = this.brokerTroubleAt === undefined ? Infinity : now - this.brokerTroubleAt;
    const silence = node && sinceTrouble < node.heartbeatAgeMs ? { ...node, heartbeatAgeMs: sinceTrouble } : node;
    return sweepVerdict(record, hostId, silence, now, this.config);
  }

  /**
   * Nodes waiting for a maintenance window, or paused at its end, are admitted once it opens — no node event may
   * come to do it, as nothing ran outside the window — and sent their command (a paused node's next round); any
   * replica may do it (compare-and-set).
   */
  private async admitDue(record: OperationRecord, now: Date): Promise<void> {
    if (!record.request.maintenanceWindow || !Object.values(record.nodes ?? {}).some((n) => isNodeParked(n.state))) return;
    let changed = false;
    const updated = await this.operations.mutate(record.id, (current) => {
      const next = admitDue(current, planFor(current.type).phases(current), now);
      changed = next !== undefined;
      return next;
    });
    if (!updated || !changed) return;
    this.commands.announce(updated);
    await this.commands.dispatchAdmitted(updated);
  }

  /**
   * The maintenance window closed while nodes run a pausable phase: each is sent `pause` (its agent stops at the
   * next safe point and reports `paused`, which moves the entry to PAUSED). Nothing is written here, so any
   * number of replicas may do it at every sweep: the command's id (phase, resume, round) makes the repeats one.
   */
  private async pauseDue(record: OperationRecord, now: Date): Promise<void> {
    for (const node of nodesToPause(record, planFor(record.type).phases(record), now)) {
      await this.commands.send(record, node, 'pause');
      this.logger.debug(`operation ${record.id}: ${errorSource(node)} asked to pause: the maintenance window closed`);
    }
  }

  private async sweep(record: OperationRecord, registry: Map<string, RegisteredNodeView>): Promise<void> {
    // a consistent backup's pause: bounded by --max-pause-window-ms, and resumed here if the coordinator that
    // should have resumed it stopped (the store keeps a finished backup listed until its pause is resumed)
    await this.pauseWindows.sweep(record);
    if (isTerminal(record.state)) return;
    const now = this.clock.now();
    await this.admitDue(record, now);
    await this.pauseDue(record, now);
    for (const node of pendingNodes(record)) {
      let verdict = this.verdict(record, node.hostId, registry.get(node.hostId));
      if (verdict.action === 'none') continue;
      // A bulk listing can miss an entry that is being rewritten: confirm with the node's own entry first.
      verdict = this.verdict(record, node.hostId, await this.nodes.get(node.hostId));
      if (verdict.action === 'none') continue;
      if (verdict.action === 'wait') {
        const note = verdict.note;
        const noted = await this.operations.mutate(record.id, (current) => noteWaiting(current, node.hostId, note));
        if (noted && noted.nodes?.[node.hostId]?.message === note && record.nodes?.[node.hostId]?.message !== note) {
          this.logger.warn(`operation ${record.id}: ${errorSource(node)}: ${note}`);
          this.commands.announce(noted);
        }
        continue;
      }
      const event: NodeEventMessage = {
        schemaVersion: SCHEMA_VERSION,
        kind: 'failed',
        operationId: record.id,
        hostId: node.hostId,
        progress: node.progress,
        message: verdict.reason,
        at: now.toISOString(),
      };
      if (record.phase) event.phase = record.phase;
      // the round the node is in (after a pause at a window's end): an earlier round's event would change nothing
      if (node.round) event.round = node.round;
      const updated = await this.operations.mutate(record.id, (current) =>
        applyNodeEvent(current, event, now, planFor(current.type).phases(current)),
      );
      if (updated) {
        this.logger.warn(`operation ${record.id}: ${errorSource(node)} failed: ${verdict.reason}`);
        this.commands.announce(updated);
      }
    }
  }
}
