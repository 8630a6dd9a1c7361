import { OperationRecord, redactRequestSecrets } from '@daedalus/contracts';
import { OperationView } from '../docs/response-views';
import { echoProxySettings } from './proxy-echo';

/**
 * An operation as Icarus returns it: the request's fields flattened beside the status fields.
 * Daedalus adds `nodes` (per-node state and progress); Icarus clients ignore unknown fields. What coordinators
 * and agents keep for themselves (`context`, `phaseResults`, `restoreLedger`, the `seal`, each node's `requestDigest`) stays out: `response` is the result.
 * Secrets of the request (sealed in the record) show as `[redacted]`; proxy settings come back in the types the
 * client sent them (strings from Icarus's Go client).
 */
export function toOperationView(record: OperationRecord): OperationView {
  return {
    ...echoProxySettings(redactRequestSecrets(record.request) as unknown as Record<string, unknown>),
    type: record.type,
    id: record.id,
    creationTime: record.creationTime,
    startTime: record.startTime ?? null,
    completionTime: record.completionTime ?? null,
    state: record.state,
    progress: record.progress,
    errors: record.errors,
    ...(record.submittedBy !== undefined ? { submittedBy: record.submittedBy } : {}),
    ...(record.response !== undefined ? { response: record.response } : {}),
    ...(record.cancelRequested ? { cancelRequested: true } : {}),
    ...(record.phases ? { phases: record.phases, phase: record.phase } : {}),
    ...(record.resumeCount
      ? { resumeCount: record.resumeCount, resumedAt: record.resumedAt, previousErrors: record.previousErrors ?? [] }
      : {}),
    ...(record.resumeRefused ? { resumeRefused: record.resumeRefused } : {}),
    // a consistent backup's application pause: when, how long, each hook's answer (names and times only)
    ...(record.pauseWindow ? { pauseWindow: record.pauseWindow } : {}),
    ...(record.retentionOperationId ? { retentionOperationId: record.retentionOperationId } : {}),
    ...(record.notifications ? { notifications: record.notifications } : {}),
    // a node's requestDigest is for its agent's checks, not for clients
    nodes: record.nodes ? Object.values(record.nodes).map(({ requestDigest: _digest, ...node }) => node) : [],
  };
}
