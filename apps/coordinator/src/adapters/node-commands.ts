import { Inject, Injectable, Optional } from '@nestjs/common';
import { JetStreamClient } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/transport-node';
import {
  isTerminal,
  MessageIds,
  nodeCommand,
  NodeCommandKind,
  NodeProgress,
  OperationRecord,
  OperationState,
  pendingNodes,
  redactRecordSecrets,
  Subjects,
} from '@daedalus/contracts';
import { JETSTREAM, NATS_CONNECTION, publishJson, Signing, signCommand } from '@daedalus/messaging';
import { Clock, mapConcurrent } from '@daedalus/common';
import { planFor } from '../plans/plans';
import { FinalStateNotifier } from '../notifications/final-state-notifier';

/** Node commands published at once by one dispatch (bounded: the server and this process hold them in flight). */
export const FAN_OUT_CONCURRENCY = 128;

/** Outbound messages of the coordinator: node commands (JetStream) and record updates (core NATS). */
@Injectable()
export class NodeCommands {
  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly clock: Clock,
    private readonly signing: Signing = new Signing(),
    @Optional() private readonly notifier?: FinalStateNotifier,
  ) {}

  /**
   * De-duplicated by message id (per phase, resume and the node's round), so re-sending after a coordinator failover is harmless.
   * The node gets its own copy of the request, as the operation's plan builds it; signed when this coordinator
   * has the key, so the agent can tell it from a command another client published.
   */
  async send(record: OperationRecord, node: NodeProgress, kind: NodeCommandKind): Promise<void> {
    const unsigned = nodeCommand(record, node, kind, planFor(record.type).nodeRequest(record, node), this.clock.now());
    const command = signCommand(this.signing.key, unsigned);
    const kindAndPhase = record.phase ? `${kind}.${record.phase}` : kind;
    const id = MessageIds.command(record.id, node.hostId, kindAndPhase, record.resumeCount, node.round);
    await publishJson(this.js, Subjects.commandsFor(node.hostId), command, id);
  }

  /**
   * Sends the run command of the current phase to every node that has not finished it: up to
   * `FAN_OUT_CONCURRENCY` publishes in flight, each awaited for JetStream's ack (one awaited publish after the
   * other cost ~3 ms per node: 3 s before the last of 1,000 nodes heard of the operation). Any publish failing
   * fails the dispatch, and the message being handled is retried (message ids make the repeats harmless).
   */
  async dispatchPending(record: OperationRecord): Promise<void> {
    await mapConcurrent(pendingNodes(record), FAN_OUT_CONCURRENCY, undefined, async (node) => {
      await this.send(record, node, 'run');
      if (record.cancelRequested) await this.send(record, node, 'cancel');
    });
  }

  /** Sends `cancel` to every node that owes a result and was sent its command, fanned out as `dispatchPending`. */
  async cancelPending(record: OperationRecord): Promise<void> {
    await mapConcurrent(pendingNodes(record), FAN_OUT_CONCURRENCY, undefined, (node) => this.send(record, node, 'cancel'));
  }

  /**
   * Sends the run command to the nodes admitted to their turn (`parallel`: PENDING, not started). Sent after
   * every result of a phase that takes turns, also when that result changed nothing (a redelivery after a
   * coordinator died between writing the admission and sending): message ids make the repeats harmless.
   */
  async dispatchAdmitted(record: OperationRecord): Promise<void> {
    const admitted = Object.values(record.nodes ?? {}).filter((node) => node.state === OperationState.PENDING);
    await mapConcurrent(admitted, FAN_OUT_CONCURRENCY, undefined, (node) => this.send(record, node, 'run'));
  }

  /** A broadcast anyone subscribed may read: the request's secrets (sealed in the record) show as redacted. */
  announce(record: OperationRecord): void {
    this.nc.publish(Subjects.operationUpdates(record.id), JSON.stringify(redactRecordSecrets(record)));
    // a final state: the webhooks are told (in the background: retries must not hold the message being handled)
    if (isTerminal(record.state)) void this.notifier?.finalState(record);
  }
}
