import type { RunSummary } from '../evals/aggregate.js';
import { evaluateGate } from '../evals/gate.js';
import type { Interval } from '../evals/stats.js';

export interface MetricValue {
  value: number;
  /** 95% interval, for pass rates. */
  interval?: Interval;
}

/**
 * Reads a gate metric (`passRate`, `categories.adversarial.passRate`, …) of one
 * model from a run summary through the gate's own path resolver, so a sweep
 * metric means exactly what the same name means in a threshold.
 */
export function metricOf(summary: RunSummary, model: string, metric: string): MetricValue | undefined {
  const line = evaluateGate(summary, [`${metric} >= 0`], { models: [model] }).lines[0];
  if (line?.measured === undefined) return undefined;
  return { value: line.measured, ...(line.interval ? { interval: line.interval } : {}) };
}

/** The figure trials are ranked by: the point estimate, or the lower bound of its interval. */
export function rankValue(metric: MetricValue, select: 'point' | 'lower-bound'): number {
  return select === 'lower-bound' ? (metric.interval?.low ?? metric.value) : metric.value;
}
