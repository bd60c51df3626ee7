import type { ModelSummary } from './aggregate.js';

/**
 * Pareto-best models on cost against accuracy: a model is on the front when no
 * other model is at least as accurate and at most as costly, and strictly
 * better on one of the two. A model without a price has no place on the cost
 * axis: it is left off the front (its cost is unknown, not $0) and does not
 * push priced models off it.
 */
export interface ParetoPoint {
  model: string;
  accuracy: number;
  /** USD; undefined when the model has no price. */
  cost?: number;
}

export function paretoFront(points: readonly ParetoPoint[]): Set<string> {
  const priced = points.filter((p): p is Required<ParetoPoint> => p.cost !== undefined);
  const front = new Set<string>();
  for (const p of priced) {
    const dominated = priced.some(
      (q) =>
        q !== p &&
        q.accuracy >= p.accuracy &&
        q.cost <= p.cost &&
        (q.accuracy > p.accuracy || q.cost < p.cost),
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
