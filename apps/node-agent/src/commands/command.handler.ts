import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  isNodeFinished,
  NodeCommandMessage,
  NodeEventKind,
  NodeState,
  OperationRecord,
  OperationRequest,
  OperationState,
  RequestValidationError,
  RestoreLedgerFact,
  Subjects,
} from '@daedalus/contracts';
import { JmxError } from '@daedalus/jmx';
import { FatalError, isTransientJetStreamError, MessageContext, RetryableError } from '@daedalus/messaging';
import { errorMessage, retry } from '@daedalus/common';
import { ExecutorRegistry, honoursCancel, OperationRejectedError, PAUSE_REASON } from '../operations/executor';
import { NodeRegistrationService } from '../registration/node-registration.service';
import { CommandRequests } from './command-requests';
import { CommandGuard } from './command-guard';
import { EventPublisher } from './event-publisher';
import { confineRequest } from '../paths/confinement';

/** JMX trouble that may pass (node restarting, slow answer): retry the command rather than fail the operation. */
function isTransient(error: unknown): boolean {
  return error instanceof JmxError && ['connection', 'timeout', 'bridge'].includes(error.kind);
}

/** One round of one phase of an operation on this node (a round after a pause at a window's end is new work). */
const runKey = (command: NodeCommandMessage) => `${command.operationId}/${command.phase ?? ''}/${command.round ?? 0}`;

/**
 * A start or a result is published again while NATS cannot take it (a server lost, leaders being elected, the
 * broker restarting): the node's work is done and must not be reported failed, nor run again, for want of a
 * broker for a few seconds. Bounded: past it the command is redelivered and the phase (safe to repeat) runs again.
 */
const REPORT_RETRY = { deadlineMs: 60_000, initialDelayMs: 500, maxDelayMs: 5_000, retryIf: isTransientJetStreamError };

/**
 * Runs this node's part of an operation. Idempotent under redelivery: a node whose result is already in
 * the record is not run again, and results are published with de-duplicating ids.
 */
@Controller()
export class CommandHandler {
  private readonly logger = new Logger(CommandHandler.name);
  /**
   * Work in progress, by operation and phase: one phase's command can arrive while the previous phase's
   * handler is still finishing, and must not be mistaken for a duplicate of it.
   */
  private readonly running = new Map<string, { operationId: string; controller: AbortController }>();
  /** cancels that arrived before (or without) their run command */
  private readonly cancelled = new Set<string>();
  /** pauses (by run key) that arrived before (or without) their run command */
  private readonly paused = new Set<string>();

  constructor(
    private readonly executors: ExecutorRegistry,
    private readonly events: EventPublisher,
    private readonly guard: CommandGuard,
    private readonly identity: NodeRegistrationService,
    private readonly requests: CommandRequests,
  ) {}

  /** This node's commands (the transport consumes only `daedalus.commands.<this host ID>`). */
  @EventPattern(Subjects.commandsAll)
  async handle(@Payload() command: NodeCommandMessage, @Ctx() context: MessageContext): Promise<void> {
    const hostId = this.identity.current.hostId;
    if (command.hostId !== hostId) throw new FatalError(`command for ${command.hostId} reached node ${hostId}`);
    // only what the operation's record asks of this node (and a coordinator signed, with a key); else refused
    const record = await this.guard.admit(command, hostId);
    if (command.kind === 'cancel') return this.cancel(command.operationId);
    if (command.kind === 'pause') return this.pause(command, record, hostId);

    // A redelivered copy of what this agent is running now — or a resumed run's command while this agent still
    // runs the same phase of the earlier run: that run's result counts, as the phase is the same.
    if (this.running.has(runKey(command))) return;
    const mine = record.nodes?.[hostId];
    // Already reported, or a command of a phase the operation has left: a redelivery has nothing to do.
    if ((record.phase ?? undefined) !== (command.phase ?? undefined)) return;
    if (mine && isNodeFinished(mine.state)) return;
    // A command of another round than the node's (a redelivery from before a pause), or of a round that paused.
    if ((command.round ?? 0) !== (mine?.round ?? 0) || mine?.state === NodeState.PAUSED) return;
    // Otherwise the node owes a result: PENDING, or RUNNING when this is the redelivery of a command whose agent
    // died (SIGKILL, node restart) before it reported. JetStream redelivers it to the restarted agent after the
    // ack wait, and it runs again here — every phase is safe to repeat (a restore's IMPORT skips the tables the
    // ledger says are imported, and never truncates).
    const run = Math.max(command.resume ?? 0, record.resumeCount ?? 0);
    // A cancel stops work that has not started — unless this phase must run whatever happens (a restore's
    // IMPORT after its TRUNCATE: skipping it would leave the node's tables empty).
    const executor = this.executors.get(command.type);
    const cancellable = executor ? honoursCancel(executor, command.phase) : true;
    const cancelled = record.cancelRequested || record.state === OperationState.CANCELLED || this.cancelled.has(command.operationId);
    if (cancelled && cancellable) {
      await this.events.publish(
        command.operationId,
        hostId,
        'cancelled',
        { progress: 0, message: 'cancelled before it started', phase: command.phase },
        run,
      );
      return;
    }
    if (this.paused.has(runKey(command))) {
      // its pause came first: it stays stopped, and says so (again: the event's id makes it one)
      await this.events.publish(command.operationId, hostId, 'paused', pausedFields(command, mine?.progress ?? 0), run);
      return;
    }
    await this.run(command, hostId, context, run);
  }

  /**
   * The maintenance window closed: the round running here stops at its next safe point (as for a cancel) and
   * reports `paused`. A round not started here reports it at once — unless the node already has its result, or
   * the record has moved past this round — and its run command, when it comes, does nothing.
   */
  private async pause(command: NodeCommandMessage, record: OperationRecord, hostId: string): Promise<void> {
    const key = runKey(command);
    const work = this.running.get(key);
    if (work) return work.controller.abort(PAUSE_REASON);
    this.paused.add(key);
    setTimeout(() => this.paused.delete(key), 3600_000).unref();
    const mine = record.nodes?.[hostId];
    if (!mine || isNodeFinished(mine.state) || mine.state === NodeState.PAUSED) return;
    if ((record.phase ?? undefined) !== (command.phase ?? undefined) || (mine.round ?? 0) !== (command.round ?? 0)) return;
    const run = Math.max(command.resume ?? 0, record.resumeCount ?? 0);
    await this.events.publish(command.operationId, hostId, 'paused', pausedFields(command, mine.progress), run);
  }

  private async cancel(operationId: string): Promise<void> {
    this.cancelled.add(operationId);
    setTimeout(() => this.cancelled.delete(operationId), 3600_000).unref();
    for (const work of this.running.values()) if (work.operationId === operationId) work.controller.abort();
  }

  private async run(command: NodeCommandMessage, hostId: string, context: MessageContext, run: number): Promise<void> {
    const phase = command.phase;
    type Fields = { progress: number; message?: string; result?: unknown; ledger?: RestoreLedgerFact };
    const publishOnce = (kind: NodeEventKind, fields: Fields) =>
      this.events.publish(command.operationId, hostId, kind, { ...fields, phase, round: command.round }, run);
    const publish = (kind: NodeEventKind, fields: Fields) =>
      retry(() => publishOnce(kind, fields), {
        ...REPORT_RETRY,
        onRetry: ({ error, delayMs }) =>
          this.logger.warn(`operation ${command.operationId}: ${kind} not published (${errorMessage(error)}), again in ${delayMs} ms`),
      });
    const fail = (message: string) => publish('failed', { progress: 0, message });
    let request: OperationRequest;
    try {
      // validated, its sealed secrets opened: executors read plain values
      request = this.requests.open(command);
    } catch (error) {
      if (error instanceof RequestValidationError) return fail(`invalid request: ${error.message}`);
      throw error;
    }
    const executor = this.executors.get(request.type);
    if (!executor) return fail(`this agent does not support operation type ${request.type}`);

    const controller = new AbortController();
    this.running.set(runKey(command), { operationId: command.operationId, controller });
    let lastProgress = 0;
    // stopped at a safe point: for a pause (the window closed; the next round goes on from here) or a cancel
    const publishStop = async () => {
      if (controller.signal.reason !== PAUSE_REASON) return publish('cancelled', { progress: lastProgress, message: 'cancelled' });
      await publish('paused', { progress: lastProgress, message: 'paused at a safe point' });
      this.logger.log(`${request.type}${phase ? ` ${phase}` : ''} paused at the maintenance window's end (round ${command.round ?? 0})`);
    };
    try {
      await publish('started', { progress: 0 });
      this.logger.log(`${request.type}${phase ? ` ${phase}` : ''} started`);
      // every directory the request names within this agent's roots, before any executor touches one
      await confineRequest(request, () => this.identity.roots);
      const result = await executor.execute(request, {
        operationId: command.operationId,
        phase,
        coordinatorContext: command.context,
        phaseResults: command.phaseResults,
        signal: controller.signal,
        progress: async (fraction, message, step) => {
          lastProgress = fraction;
          const text = step ? `${step}${message ? `: ${message}` : ''}` : message;
          // progress is for people watching: a broker that cannot take it now must not stop the work
          await publishOnce('progress', { progress: fraction, message: text }).catch((error: unknown) =>
            this.logger.warn(`operation ${command.operationId}: progress not published: ${errorMessage(error)}`),
          );
        },
        // unlike progress, a ledger fact must be stored (retried while NATS cannot take it, bounded) before the
        // executor goes on; if it cannot be, the phase fails or is redelivered, and runs again safely
        reportLedger: (fact) => publish('progress', { progress: lastProgress, message: `${fact.done} ${fact.table}`, ledger: fact }),
      });
      // An operation Cassandra cannot stop ran to its end despite the cancel: report what really happened. A pause
      // that came as the work ended stops nothing: the result counts (the next window would only find it done).
      const cancelHonoured = honoursCancel(executor, phase);
      if (controller.signal.aborted && cancelHonoured && controller.signal.reason !== PAUSE_REASON) {
        await publishStop();
      } else {
        await publish('completed', { progress: 1, result });
        this.logger.log(`${request.type}${phase ? ` ${phase}` : ''} completed`);
      }
    } catch (error) {
      if (controller.signal.aborted && honoursCancel(executor, phase)) {
        await publishStop();
      } else if ((isTransient(error) || isTransientJetStreamError(error)) && !context.isLastAttempt) {
        // JMX that may pass, or NATS unable to answer (a restore's ledger, a result that could not be published)
        throw new RetryableError(`${request.type} on ${hostId}: ${errorMessage(error)}`, { cause: error });
      } else {
        const message = error instanceof OperationRejectedError ? error.message : `${request.type} failed: ${errorMessage(error)}`;
        this.logger.warn(`operation ${command.operationId}: ${message}`);
        await fail(message);
      }
    } finally {
      this.running.delete(runKey(command));
    }
  }
}

function pausedFields(command: NodeCommandMessage, progress: number) {
  return { progress, message: 'paused before it started', phase: command.phase, round: command.round };
}
