import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ALL_OPERATION_STATES,
  failOperation,
  inRequestedDcs,
  FieldError,
  isOperationType,
  isTerminal,
  newOperationRecord,
  NodeRegistration,
  OperationRecord,
  OperationRequest,
  OperationState,
  parseOperationRequest,
  RequestValidationError,
  resumeRefusal,
  sameRequest,
  SCHEMA_VERSION,
  sealRequestSecrets,
  unknownPauseHooks,
} from '@daedalus/contracts';
import { NodeRegistry, OperationStore, RegisteredNodeView } from '@daedalus/messaging';
import { plannableViews } from '../nodes/nodes.service';
import { Clock, errorMessage, withLogContext } from '@daedalus/common';
import { GatewayConfig } from '../gateway-config';
import { badRequest, conflict, notFound } from '../http/bad-request';
import { NodeQueryClient } from '../topology/node-query.client';
import { resolveLocalTarget } from './local-target';
import { proxyEchoErrors, rememberProxyTypes } from './proxy-echo';
import { checkAgainstTargets, LiveSchema, nodesToAskAgain, recheckWithLiveSchemas, targetsLackingNames } from './target-check';
import { operationIdForKey } from './operation-id';
import { OperationPublisher } from './operation-publisher';

/** How often a node still lacking a name another target already has is asked again (schema propagation). */
const SCHEMA_RECHECK_INTERVAL_MS = 150;

export interface Submission {
  record: OperationRecord;
  /** false when this id had already been submitted (idempotent replay) */
  created: boolean;
}

@Injectable()
export class OperationsService {
  private readonly logger = new Logger(OperationsService.name);

  constructor(
    private readonly operations: OperationStore,
    private readonly nodes: NodeRegistry,
    private readonly publisher: OperationPublisher,
    private readonly clock: Clock,
    private readonly config: GatewayConfig,
    private readonly queries: NodeQueryClient,
  ) {}

  async submit(body: unknown, idempotencyKey?: string, submittedBy?: string): Promise<Submission> {
    let request;
    const echoProblems = proxyEchoErrors(body);
    if (echoProblems.length > 0) throw badRequest(echoProblems);
    try {
      request = parseOperationRequest(body);
      rememberProxyTypes(body, request);
    } catch (error) {
      if (error instanceof RequestValidationError) throw badRequest(error.errors, error.reason);
      throw error;
    }
    // a consistent backup names hooks; only the configuration defines them (URLs and tokens never come from a request)
    const hookProblems = request.type === 'backup' ? unknownPauseHooks(request, this.config.pauseHookNames) : [];
    if (hookProblems.length > 0) throw badRequest(hookProblems);
    const keyId = idempotencyKey ? operationIdForKey(idempotencyKey) : undefined;
    if (request.id && keyId && request.id.toLowerCase() !== keyId) {
      throw badRequest([{ field: 'id', message: 'id and the Idempotency-Key header name different operations' }]);
    }
    const id = request.id?.toLowerCase() ?? keyId ?? randomUUID();
    // every line from here on (the live schema checks, a failed publish) is about this operation: it says so
    return withLogContext({ operationId: id }, () => this.submitAs(id, request, submittedBy));
  }

  private async submitAs(id: string, request: OperationRequest, submittedBy?: string): Promise<Submission> {
    // from here on the request holds its secrets only sealed (bound to this operation): never a plain value
    const secretProblems = sealRequestSecrets(request, id, this.config.requestSecrets);
    if (secretProblems.length > 0) throw badRequest(secretProblems);
    const idField = request.id ? 'id' : 'Idempotency-Key';

    const registered = await this.registrationsFor(request);
    // a departed node named outright goes on to the coordinator, which refuses it saying why
    const nodes = plannableViews(registered, request, this.config.nodeTimeoutMs);
    const target = resolveLocalTarget(request, request.hostId || request.address ? registered : nodes, this.config.localNode);
    if (!target.ok) throw badRequest([{ field: target.field, message: target.message }]);
    if (target.hostId) request.hostId = target.hostId;
    const targets = nodes
      .map((n) => n.registration)
      .filter((r) => (target.hostId ? r.hostId === target.hostId : inRequestedDcs(request.dc, r.dc)));
    let problems = checkAgainstTargets(request, targets);
    if (problems.length > 0) problems = await this.confirmNamesLive(request, targets, problems);
    if (problems.length > 0) throw badRequest(problems);
    request.id = id;

    const record = newOperationRecord(id, request, this.clock.now(), SCHEMA_VERSION, submittedBy);
    if (await this.operations.create(record)) {
      await this.publish(record);
      return { record, created: true };
    }
    const existing = await this.operations.get(id);
    if (!existing) throw new ServiceUnavailableException('the operation store did not answer consistently; try again');
    if (existing.type !== record.type) {
      throw conflict('type', `operation ${id} already exists with type ${existing.type}`);
    }
    // the same id is the same operation only with the same request: another one is refused, the existing untouched
    if (!sameRequest(existing.request, record.request)) {
      throw conflict(idField, `operation ${id} already exists with a different request; choose another ${idField} for a new operation`);
    }
    // A replay of a submission whose publish may not have happened (gateway died in between): publish again;
    // JetStream drops it if it was a duplicate.
    if (existing.state === OperationState.PENDING) await this.publish(existing);
    return { record: existing, created: false };
  }

  /**
   * Every registration, the one a request names by `hostId` read by its key: a listing could miss a key a
   * heartbeat was rewriting (3 valid requests in ~43,000 were refused as naming no registered node), a `get`
   * returns the latest value.
   */
  private async registrationsFor(request: OperationRequest): Promise<RegisteredNodeView[]> {
    const listed = await this.nodes.list();
    if (!request.hostId) return listed;
    const named = await this.nodes.get(request.hostId);
    const others = listed.filter((view) => view.registration.hostId !== request.hostId);
    return named ? [...others, named] : others;
  }

  /**
   * Names the registrations do not know may have been created since the last heartbeat: ask the nodes that
   * lack them for their live schema (in parallel) and check again. While some target already has every name
   * and others do not yet (the new schema is still propagating), those are asked again every
   * SCHEMA_RECHECK_INTERVAL_MS. The whole check is bounded by --node-query-timeout-ms.
   */
  private async confirmNamesLive(request: OperationRequest, targets: NodeRegistration[], problems: FieldError[]): Promise<FieldError[]> {
    let ask = targetsLackingNames(request, targets);
    if (ask.length === 0) return problems;
    const deadline = Date.now() + this.config.nodeQueryTimeoutMs;
    const live = new Map<string, LiveSchema>();
    let rounds = 0;
    let errors = problems;
    while (ask.length > 0) {
      rounds += 1;
      const budget = deadline - Date.now();
      const answers = await Promise.all(
        ask.map(async (target): Promise<[string, LiveSchema]> => [target.hostId, await this.liveSchema(target.hostId, budget)]),
      );
      for (const [hostId, answer] of answers) live.set(hostId, answer);
      errors = recheckWithLiveSchemas(request, targets, live);
      ask = errors.length === 0 ? [] : nodesToAskAgain(request, targets, live);
      if (ask.length === 0 || deadline - Date.now() < SCHEMA_RECHECK_INTERVAL_MS * 2) break;
      await new Promise((resolve) => setTimeout(resolve, SCHEMA_RECHECK_INTERVAL_MS));
    }
    const names = problems.map((p) => p.message).join('; ');
    this.logger.log(
      `not in the registrations (${names}): asked ${live.size} node(s) live in ${rounds} round(s), ${errors.length === 0 ? 'all found' : 'still refused'}`,
    );
    return errors;
  }

  private async liveSchema(hostId: string, timeoutMs: number): Promise<LiveSchema> {
    const answer = await this.queries.ask(hostId, 'schema', timeoutMs);
    if (!answer.ok) return { ok: false, reason: answer.reason };
    if (!answer.reply.schema) return { ok: false, reason: 'the agent answered without a schema' };
    return { ok: true, keyspaces: answer.reply.schema.keyspaces };
  }

  private async publish(record: OperationRecord): Promise<void> {
    try {
      await this.publisher.submit(record);
    } catch (error) {
      const reason = `could not queue the request: ${errorMessage(error)}`;
      this.logger.error(`operation ${record.id}: ${reason}`);
      // only a record no coordinator took up yet: one that started was queued after all
      await this.operations
        .mutate(record.id, (current) =>
          current.state === OperationState.PENDING ? failOperation(current, 'gateway', reason, this.clock.now()) : undefined,
        )
        .catch(() => undefined);
      throw new ServiceUnavailableException(reason);
    }
  }

  async get(id: string): Promise<OperationRecord> {
    const record = await this.operations.get(id);
    if (!record) throw notFound('id', `operation ${id} does not exist`);
    return record;
  }

  /** Operations of any of `types` in any of `states` (empty: no filter), newest first. */
  async list(types: string[] = [], states: string[] = []): Promise<OperationRecord[]> {
    const wantedTypes = new Set(types.map((t) => t.toLowerCase()));
    const wantedStates = new Set(states.map((s) => s.toUpperCase()));
    const errors: FieldError[] = [
      ...types
        .filter((t) => !isOperationType(t.toLowerCase()))
        .map((t) => ({ field: 'type', message: `type ${JSON.stringify(t.slice(0, 64))} is not an operation type` })),
      ...[...wantedStates]
        .filter((s) => !ALL_OPERATION_STATES.includes(s as OperationState))
        .map(() => ({ field: 'state', message: `state must be one of ${ALL_OPERATION_STATES.join(', ')}` })),
    ];
    if (errors.length > 0) throw badRequest(errors);
    const records = await this.operations.list();
    return records
      .filter((r) => (wantedTypes.size === 0 || wantedTypes.has(r.type)) && (wantedStates.size === 0 || wantedStates.has(r.state)))
      .sort((a, b) => b.creationTime.localeCompare(a.creationTime));
  }

  async cancel(id: string): Promise<OperationRecord> {
    const record = await this.get(id);
    if (!isTerminal(record.state)) await this.publisher.cancel(id);
    return record;
  }

  /**
   * Asks the coordinators to resume a FAILED restore from the phase that failed. An operation that is running
   * (or pending) is returned unchanged — a repeated resume does nothing; any other state, or a restore that
   * never reached TRUNCATE, is a conflict saying why.
   */
  async resume(id: string): Promise<{ record: OperationRecord; requested: boolean }> {
    const record = await this.get(id);
    if (record.state === OperationState.RUNNING || record.state === OperationState.PENDING) return { record, requested: false };
    const refusal = resumeRefusal(record);
    if (refusal) throw conflict('id', refusal);
    await this.publisher.resume(id, record.resumeCount ?? 0);
    return { record, requested: true };
  }
}
