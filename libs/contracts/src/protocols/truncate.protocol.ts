import type { TruncateRequest } from '../requests/node-operations';
import type { OperationProtocol } from './protocol';

/**
 * Cassandra's truncate is cluster-wide: a global truncate is one phase on one node (a node whose agent allows
 * truncate, named as the context's `leader`), so the table is truncated — and auto-snapshotted — once. A
 * node-local truncate runs without a named phase, which the agent runs as TRUNCATE.
 */
export const TRUNCATE_PHASES = ['TRUNCATE'] as const;

export type TruncateContext = {
  /** the node that truncates: one whose agent was started with --enable-truncate */
  leader?: string;
};

export type TruncateProtocol = OperationProtocol<TruncateRequest, typeof TRUNCATE_PHASES, TruncateContext, { TRUNCATE: undefined }>;

export const truncateProtocol: TruncateProtocol = {
  type: 'truncate',
  phases: TRUNCATE_PHASES,
  // Cassandra offers no way to stop a truncate: a cancel lets it finish and the node reports what happened
  rules: { TRUNCATE: { on: 'one', cancelBefore: true, cancelDuring: false } },
  sequence: (request) => (request.globalRequest ? TRUNCATE_PHASES : []),
  unnamedPhase: 'TRUNCATE',
};
