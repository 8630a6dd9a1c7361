import { truncateProtocol } from '@daedalus/contracts';
import { phasedPlan } from './operation-plan';

/** A global truncate runs once, on a node whose agent allows truncate (started with --enable-truncate). */
export const truncatePlan = phasedPlan({
  protocol: truncateProtocol,
  weights: { TRUNCATE: 1 },
  context: (_request, targets, registrations) => ({
    leader: targets.find((t) => registrations.find((r) => r.hostId === t.hostId)?.capabilities?.truncateEnabled)?.hostId,
  }),
});
