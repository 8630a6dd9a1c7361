import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { errorSource, NodeEventMessage, OperationRecord, SCHEMA_VERSION } from '@daedalus/contracts';
import { Clock, errorMessage, NodeRegistry, OperationStore, RegisteredNodeView } from '@daedalus/messaging';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';
import { applyNodeEvent, pendingNodes } from '../operations/operation-lifecycle';
import { planFor } from '../plans/plans';

/**
 * No operation hangs forever: every replica periodically fails the nodes that owe a result but stopped
 * heartbeating, and the operations that ran past their deadline. Replicas racing here is harmless
 * (compare-and-set, and the first terminal result of a node wins).
 */
@Injectable()
export class HeartbeatSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatSweeper.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly operations: OperationStore,
    private readonly nodes: NodeRegistry,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.sweepIntervalMs);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const active = (await this.operations.listActive(this.clock.now())).filter((r) => r.nodes);
      if (active.length === 0) return;
      const registry = new Map((await this.nodes.list()).map((n) => [n.registration.hostId, n]));
      for (const record of active) await this.sweep(record, registry);
    } catch (error) {
      this.logger.warn(`sweep failed: ${errorMessage(error)}`);
    } finally {
      this.running = false;
    }
  }

  private deadline(record: OperationRecord): number {
    const hours = 'timeout' in record.request && typeof record.request.timeout === 'number' ? record.request.timeout : undefined;
    const budget = hours !== undefined ? hours * 3600_000 : this.config.defaultOperationTimeoutMs;
    return Date.parse(record.startTime ?? record.creationTime) + budget;
  }

  private verdict(record: OperationRecord, hostId: string, node: RegisteredNodeView | undefined, now: number): string | undefined {
    if (!node) return `node ${hostId} is no longer registered`;
    if (node.heartbeatAgeMs > this.config.nodeTimeoutMs) {
      return `node stopped heartbeating (last heartbeat ${Math.round(node.heartbeatAgeMs / 1000)} s ago, timeout ${Math.round(this.config.nodeTimeoutMs / 1000)} s)`;
    }
    if (now > this.deadline(record)) return `operation timed out after ${Math.round((now - Date.parse(record.startTime ?? record.creationTime)) / 1000)} s`;
    return undefined;
  }

  private async sweep(record: OperationRecord, registry: Map<string, RegisteredNodeView>): Promise<void> {
    const now = this.clock.now();
    for (const node of pendingNodes(record)) {
      let reason = this.verdict(record, node.hostId, registry.get(node.hostId), now.getTime());
      if (!reason) continue;
      // A bulk listing can miss an entry that is being rewritten: confirm with the node's own entry first.
      reason = this.verdict(record, node.hostId, await this.nodes.get(node.hostId), this.clock.now().getTime());
      if (!reason) continue;
      const event: NodeEventMessage = {
        schemaVersion: SCHEMA_VERSION,
        kind: 'failed',
        operationId: record.id,
        hostId: node.hostId,
        progress: node.progress,
        message: reason,
        at: now.toISOString(),
      };
      if (record.phase) event.phase = record.phase;
      const updated = await this.operations.mutate(record.id, (current) =>
        applyNodeEvent(current, event, now, planFor(current.type).phases(current)),
      );
      if (updated) {
        this.logger.warn(`operation ${record.id}: ${errorSource(node)} failed: ${reason}`);
        this.commands.announce(updated);
      }
    }
  }
}
