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
