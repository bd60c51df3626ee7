import type { ModelSummary } from './aggregate.js';

/**
 * Pareto-best models on cost against accuracy: a model is on the front when no
 * other model is at least as accurate and at most as costly, and strictly
 * better on one of the two. Unpriced models are compared on accuracy alone.
 */
export interface ParetoPoint {
  model: string;
  accuracy: number;
  /** USD; undefined when the model has no price. */
  cost?: number;
}

export function paretoFront(points: readonly ParetoPoint[]): Set<string> {
  const front = new Set<string>();
  for (const p of points) {
    const dominated = points.some(
      (q) =>
        q !== p &&
        q.accuracy >= p.accuracy &&
        (q.cost ?? 0) <= (p.cost ?? 0) &&
        (q.accuracy > p.accuracy || (q.cost ?? 0) < (p.cost ?? 0)),
    );
    if (!dominated) front.add(p.model);
  }
  return front;
}

/** What a model cost in a comparison: its training (when it came from a job) plus this run's inference. */
export function comparisonCost(m: ModelSummary): number | undefined {
  return m.trainingCost === undefined && !m.cost.priced ? undefined : (m.trainingCost ?? 0) + m.cost.total;
}

/** The Pareto-best models of a run on comparison cost against pass rate. */
export function paretoModels(models: readonly ModelSummary[]): Set<string> {
  return paretoFront(models.map((m) => ({ model: m.model, accuracy: m.passRate, cost: comparisonCost(m) })));
}
