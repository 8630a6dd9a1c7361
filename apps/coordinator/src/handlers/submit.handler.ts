import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  beginPause,
  failOperation,
  isTerminal,
  newOperationRecord,
  OperationRecord,
  OperationRequest,
  OperationState,
  parallelDcsWithoutTargets,
  parseOperationRequest,
  rawJsonProblem,
  redactRequestSecrets,
  REQUEST_JSON_RULES,
  RequestValidationError,
  sameRequest,
  SCHEMA_VERSION,
  startOperation,
  Subjects,
  SubmitOperationMessage,
  unknownPauseHooks,
  unsealedSecretProblems,
} from '@daedalus/contracts';
import { FatalError, NodeRegistry, OperationStore } from '@daedalus/messaging';
import { Clock, errorMessage } from '@daedalus/common';
import { NodeCommands } from '../adapters/node-commands';
import { CoordinatorConfig } from '../coordinator-config';
import { planFor } from '../plans/plans';
import { withRequestDigests } from '../plans/request-digests';
import { planTargets, TargetPlan } from '../operations/target-planner';
import { confirmCoverage, RangeCoverageClient } from '../adapters/range-coverage';
import { PauseHookClient } from '../adapters/pause-hooks';
import { PauseWindows } from '../operations/pause-windows';

const SOURCE = 'coordinator';

/**
 * Turns a submitted request into per-node commands. Safe to run twice at any point: the record is created
 * create-only, started with compare-and-set, and commands are de-duplicated by message id.
 */
@Controller()
export class SubmitHandler {
  private readonly logger = new Logger(SubmitHandler.name);

  constructor(
    private readonly operations: OperationStore,
    private readonly nodes: NodeRegistry,
    private readonly commands: NodeCommands,
    private readonly clock: Clock,
    private readonly config: CoordinatorConfig,
    private readonly coverage: RangeCoverageClient,
    private readonly pauseHooks: PauseHookClient,
    private readonly pauseWindows: PauseWindows,
  ) {}

  @EventPattern(Subjects.submit)
  async handle(@Payload() message: SubmitOperationMessage): Promise<void> {
    const id = message.operationId;
    const request = await this.validate(id, message.request);
    if (!request) return;

    const created = await this.operations.create(newOperationRecord(id, request, this.clock.now(), SCHEMA_VERSION, message.submittedBy));
    let record: OperationRecord | undefined = await this.trusted(id);
    // the gateway queues exactly the request it stored; a direct client's repeat parses to the same request
    if (!created && !sameRequest(record.request, message.request) && !sameRequest(record.request, request)) {
      throw this.duplicate(id);
    }
    if (isTerminal(record.state)) return;

    if (record.state === OperationState.PENDING) {
      record = await this.start(record);
      if (!record || record.state !== OperationState.RUNNING) return;
    }
    // a consistent backup: no snapshot command goes out before every hook acknowledged its pause
    if (record.pauseWindow) {
      record = await this.pauseWindows.pause(record);
      if (!record) return;
    }
    await this.commands.dispatchPending(record);
  }

  /** The stored record, when this coordinator may act on it (a record no coordinator wrote is refused). */
  private async trusted(id: string): Promise<OperationRecord> {
    const { record, problem } = await this.operations.getTrusted(id);
    if (!record) throw new FatalError(`operation ${id} vanished right after it was created`);
    if (problem) throw new FatalError(`submit of ${id} refused: ${problem}`);
    return record;
  }

  /**
   * A submission reusing an operation's id with another request: dead-lettered with the reason (which settlement
   * logs), the operation left exactly as it is — neither started again nor failed.
   */
  private duplicate(id: string): FatalError {
    return new FatalError(`submit of ${id} refused: operation ${id} already exists with a different request (left as it is)`);
  }

  /**
   * A request that fails validation (direct NATS clients skip the gateway) becomes a FAILED record naming the
   * field, however it fails: a hostile shape (nesting too deep, a prototype key) is refused before anything walks
   * it, and whatever else validation throws is deterministic too (retrying it could only fail again).
   */
  private async validate(id: string, raw: unknown): Promise<OperationRequest | undefined> {
    const shape = rawJsonProblem(raw, REQUEST_JSON_RULES, 'request');
    if (shape) return this.reject(id, raw, shape.message, false);
    try {
      const request = parseOperationRequest(raw);
      // coordinators hold no secrets key: a secret that is not sealed cannot go into the record or to an agent
      const secrets = unsealedSecretProblems(request);
      if (secrets.length > 0) throw new RequestValidationError('invalid', secrets);
      // direct NATS clients skip the gateway's check: a hook this coordinator does not define fails the request
      const hooks = request.type === 'backup' ? unknownPauseHooks(request, this.pauseHooks.names()) : [];
      if (hooks.length > 0) throw new RequestValidationError('invalid', hooks);
      return request;
    } catch (error) {
      const reason = error instanceof RequestValidationError ? error.message : `request could not be validated: ${errorMessage(error)}`;
      return this.reject(id, raw, reason, error instanceof RequestValidationError);
    }
  }

  /**
   * Records the request as FAILED; the body itself is kept only when its shape is safe to store and show, and
   * without its secrets (a direct client may have sent them in plaintext).
   */
  private async reject(id: string, raw: unknown, reason: string, keepBody: boolean): Promise<undefined> {
    const kept = (keepBody && typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    const body = redactRequestSecrets(kept);
    const rawType = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).type : undefined;
    const type = typeof rawType === 'string' ? rawType.slice(0, 64) : 'unknown';
    const record = newOperationRecord(id, { ...body, type } as unknown as OperationRequest, this.clock.now(), SCHEMA_VERSION);
    if (!(await this.operations.create(record))) {
      // a repeat of this rejection (a redelivery) fails the record it made; another operation's record is not touched
      const existing = await this.trusted(id);
      if (!sameRequest(existing.request, record.request)) throw this.duplicate(id);
    }
    const failed = await this.operations.mutate(id, (current) => failOperation(current, SOURCE, reason, this.clock.now()));
    if (failed) this.commands.announce(failed);
    this.logger.warn(`operation ${id} rejected: ${reason}`);
    return undefined;
  }

  private async start(record: OperationRecord): Promise<OperationRecord | undefined> {
    const registered = await this.nodes.list();
    const plan = await this.confirmed(record.request, planTargets(record.request, registered, this.config.nodeTimeoutMs));
    const now = this.clock.now();
    const operationPlan = planFor(record.type);
    const next = await this.operations.mutate(record.id, (current) => {
      if (!plan.ok) return failOperation(current, SOURCE, plan.error, now);
      const idle = parallelDcsWithoutTargets(current.request.parallel, [...new Set(plan.targets.map((t) => t.dc))]);
      if (idle.length > 0) {
        const named = idle.map((dc) => `parallel.${dc}: no node of data center ${dc} takes part in this operation`).join('; ');
        return failOperation(current, SOURCE, named, now);
      }
      const context = operationPlan.context(
        current,
        plan.targets,
        registered.map((n) => n.registration),
        now,
        plan.missing,
      );
      const steps = operationPlan.phases(current);
      const started = startOperation(current, plan.targets, now, steps, context);
      // the pause window opens in the same write, before any hook is called: a coordinator that dies while
      // calling them leaves a record that says so (see PauseWindows)
      const hooks = current.request.type === 'backup' ? current.request.consistency?.pauseHooks : undefined;
      const paused = started && hooks && steps[0] ? (beginPause(started, hooks, steps[0].name, now) ?? started) : started;
      return withRequestDigests(paused);
    });
    if (next) {
      this.commands.announce(next);
      this.logger.log(
        plan.ok
          ? `operation ${record.id} (${record.type}) started on ${plan.targets.length} node(s)`
          : `operation ${record.id} (${record.type}) failed to start: ${plan.error}`,
      );
    }
    return next;
  }

  /** A plan that goes without down nodes stands only if every token range keeps a replica among its targets. */
  private async confirmed(request: OperationRequest, plan: TargetPlan): Promise<TargetPlan> {
    if (!plan.ok || plan.missing.length === 0) return plan;
    const entities = request.type === 'backup' ? request.entities : undefined;
    const verdict = await confirmCoverage(plan.targets, plan.missing, entities, this.coverage.ask);
    return verdict.ok ? plan : verdict;
  }
}
