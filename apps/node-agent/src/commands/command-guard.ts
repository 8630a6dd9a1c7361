import { Injectable } from '@nestjs/common';
import { canonicalJson, isPausablePhase, NodeCommandMessage, OperationRecord, OperationState, requestDigest } from '@daedalus/contracts';
import { commandSignatureProblem, FatalError, OperationStore, Signing } from '@daedalus/messaging';

/**
 * Why the record does not ask this node for this command, or undefined. A command is run only for an operation
 * that exists, has started, is of the command's type, names this node, has the command's phase and — for the
 * current phase — planned exactly the command's request, context and earlier results for it (the request by the
 * digest the coordinator wrote into the node's entry). A command of a phase the operation has left passes here:
 * the handler drops it as a redelivery.
 */
export function commandRefusal(record: OperationRecord | undefined, command: NodeCommandMessage, hostId: string): string | undefined {
  const at = `operation ${command.operationId}`;
  if (!record) return `${at} does not exist`;
  if (record.type !== command.type) return `${at} is a ${record.type}, not a ${command.type}`;
  if (record.state === OperationState.PENDING || !record.nodes) return `${at} has not started`;
  const mine = Object.hasOwn(record.nodes, hostId) ? record.nodes[hostId] : undefined;
  if (!mine) return `${at} does not name this node (${hostId})`;
  if (command.kind === 'cancel') return record.cancelRequested ? undefined : `${at} was not asked to cancel`;
  // a pause only stops work a window's next opening runs again; whether the window is closed is the coordinators' call
  if (command.kind === 'pause') {
    return isPausablePhase(record, command.phase)
      ? undefined
      : `${at} has no maintenance window pausing phase ${command.phase ?? '(none)'}`;
  }
  const phases = record.phases ?? [];
  if (command.phase === undefined ? phases.length > 0 : !phases.includes(command.phase)) {
    return `${at} has no phase ${command.phase ?? '(none)'}`;
  }
  if ((record.phase ?? undefined) !== (command.phase ?? undefined)) return undefined; // left: a redelivery
  if (!mine.requestDigest) return `${at} names no request for this node`;
  if (mine.requestDigest !== requestDigest(command.request)) return `the command's request is not the one ${at} planned for this node`;
  if (canonicalJson(command.context) !== canonicalJson(record.context)) return `the command's context is not ${at}'s`;
  if (command.phase !== undefined && canonicalJson(command.phaseResults ?? {}) !== canonicalJson(record.phaseResults ?? {})) {
    return `the command's earlier results are not ${at}'s`;
  }
  return undefined;
}

/**
 * Admits a command only when its operation's record — one a coordinator wrote, when a signing key is configured
 * (sealed, at the revision it was written) — asks this node for it, and, with a key, only when a coordinator
 * signed it. Anything else is refused: dead-lettered with the reason (which settlement logs) and never run, so a
 * client that can publish commands and write KV cannot make this node run what no operation asked of it.
 */
@Injectable()
export class CommandGuard {
  constructor(
    private readonly operations: OperationStore,
    private readonly signing: Signing,
  ) {}

  /** The command's operation record, or a FatalError saying why the command is refused. */
  async admit(command: NodeCommandMessage, hostId: string): Promise<OperationRecord> {
    const unsigned = commandSignatureProblem(this.signing.key, command);
    if (unsigned) throw refused(command, unsigned);
    const { record, problem } = await this.operations.getTrusted(command.operationId);
    if (problem) throw refused(command, problem);
    const refusal = commandRefusal(record, command, hostId);
    if (refusal || !record) throw refused(command, refusal ?? 'no record');
    return record;
  }
}

function refused(command: NodeCommandMessage, reason: string): FatalError {
  return new FatalError(
    `${command.kind} command of ${command.operationId}${command.phase ? ` (${command.phase})` : ''} refused: ${reason}`,
  );
}
