import type { NodeProgress } from '../operation-record';
import type { PhaseStep } from './phase-step';

/** Overall progress: phases done count in full, the current one by the mean of its nodes' progress. */
export function overallProgress(nodes: NodeProgress[], steps: PhaseStep[], current?: string): number {
  const mean = nodes.reduce((sum, n) => sum + n.progress, 0) / Math.max(1, nodes.length);
  if (steps.length === 0 || !current) return mean;
  const total = steps.reduce((sum, p) => sum + p.weight, 0);
  const index = steps.findIndex((p) => p.name === current);
  const done = steps.slice(0, index).reduce((sum, p) => sum + p.weight, 0);
  return Math.min(1, (done + steps[index].weight * mean) / total);
}
