import { paretoFront } from '../evals/pareto.js';
import type { TrialResult } from './sweep-report.js';
import { rankValue } from './trial-metric.js';

/**
 * The best evaluated trial by the sweep metric (point or lower bound); ties go
 * to the cheaper trial, then to the earlier one in run order.
 */
export function selectWinner(
  trials: readonly TrialResult[],
  select: 'point' | 'lower-bound',
): TrialResult | undefined {
  let best: TrialResult | undefined;
  for (const trial of trials) {
    if (trial.status !== 'evaluated' || !trial.validation) continue;
    if (!best?.validation) {
      best = trial;
      continue;
    }
    const a = rankValue(trial.validation, select);
    const b = rankValue(best.validation, select);
    if (a > b || (a === b && (trial.cost?.amount ?? 0) < (best.cost?.amount ?? 0))) best = trial;
  }
  return best;
}

/** Trials on the Pareto front of cost (lower is better) against the validation metric (higher is better). */
export function paretoTrials(trials: readonly TrialResult[]): Set<string> {
  return paretoFront(
    trials
      .filter((t) => t.status === 'evaluated' && t.validation)
      .map((t) => ({ model: t.id, accuracy: t.validation?.value ?? 0, cost: t.cost?.amount })),
  );
}
