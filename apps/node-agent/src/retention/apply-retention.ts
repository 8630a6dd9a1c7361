import { RetentionCandidate, RetentionDecision, RetentionPolicy } from '@daedalus/contracts';

/**
 * Placeholder so remove-backup compiles on its own branch: the retention rules are another change's
 * (branch `retention`), which replaces this file at merge. Until then a request selecting by `retention`
 * fails loudly rather than removing anything.
 */
export function applyRetention(_candidates: RetentionCandidate[], _policy: RetentionPolicy, _now: Date): RetentionDecision[] {
  throw new Error('retention selection not merged yet');
}
