import type { NodeCommandKind, NodeCommandMessage } from '../messages';
import type { NodeProgress, OperationRecord } from '../operation-record';
import { SCHEMA_VERSION } from '../schema-version';

/**
 * The command for one node in the record's current phase: the node's own copy of the request (as the
 * operation's plan builds it), the phase, the context and — later phases build on earlier ones, e.g. a
 * restore's DOWNLOAD uses what its INIT resolved on this node — the earlier phases' results.
 */
export function nodeCommand(
  record: OperationRecord,
  node: NodeProgress,
  kind: NodeCommandKind,
  request: Record<string, unknown>,
  issuedAt: Date,
): NodeCommandMessage {
  const command: NodeCommandMessage = {
    schemaVersion: SCHEMA_VERSION,
    kind,
    operationId: record.id,
    hostId: node.hostId,
    type: record.type,
    request,
    issuedAt: issuedAt.toISOString(),
  };
  if (record.phase) command.phase = record.phase;
  if (record.resumeCount) command.resume = record.resumeCount;
  if (node.round) command.round = node.round;
  if (record.context) command.context = record.context;
  if (record.phase) command.phaseResults = record.phaseResults ?? {};
  return command;
}
