import type { PreparedData } from '../src/dataset/prepared-manifest.js';
import { datasetHashesFor, jobKey } from '../src/jobs/job-key.js';
import type { PlannedTrial } from './sweep-plan.js';
import type { TrialResult } from './sweep-report.js';
import { rankValue } from './trial-metric.js';

/** Epochs at rung `rung`: `fraction` × 2^rung of the trial's epochs, at least 1, at most all of them. */
export function rungEpochs(epochs: number, fraction: number, rung: number): number {
  return Math.min(epochs, Math.max(1, Math.ceil(epochs * fraction * 2 ** rung)));
}

/** The trial cut to a rung's epochs: a job of its own (its own key), judged like any trial. */
function rungTrial(trial: PlannedTrial, epochs: number, rung: number, data: PreparedData): PlannedTrial {
  const spec = { ...trial.spec, hyperparameters: { ...trial.spec.hyperparameters, epochs } };
  return {
    ...trial,
    id: `${trial.id}@r${rung}`,
    spec,
    key: jobKey(spec, datasetHashesFor(data, trial.provider)),
  };
}

/** A rung's result under the trial's own id, with the time and money of its earlier rungs added. */
function merged(trial: PlannedTrial, result: TrialResult, before?: TrialResult): TrialResult {
  const cost = (before?.cost?.amount ?? 0) + (result.cost?.amount ?? 0);
  return {
    ...result,
    id: trial.id,
    ...(result.cost || before?.cost
      ? { cost: { amount: cost, actual: (result.cost?.actual ?? true) && (before?.cost?.actual ?? true) } }
      : {}),
    ...(result.seconds !== undefined ? { seconds: (before?.seconds ?? 0) + result.seconds } : {}),
    ...(before?.startedAt ? { startedAt: before.startedAt } : {}),
  };
}

/**
 * Successive halving over one block's trials: each trains a fraction of its
 * epochs and is judged on validation; the better half (by the sweep metric)
 * goes on with twice as many epochs, the rest stop (`halved`), until the
 * survivors train all their epochs. Each rung is a fresh job with its own key,
 * so a re-run re-attaches rung by rung.
 */
export async function runHalving(
  trials: readonly PlannedTrial[],
  options: {
    data: PreparedData;
    select: 'point' | 'lower-bound';
    run: (trial: PlannedTrial) => Promise<TrialResult>;
  },
): Promise<TrialResult[]> {
  const final = new Map<string, TrialResult>();
  let alive = [...trials];
  for (let rung = 0; alive.length > 0; rung++) {
    const epochsOf = (t: PlannedTrial) => {
      const all = t.spec.hyperparameters.epochs as number;
      // A lone survivor has nobody left to beat: it goes straight to its full epochs.
      return alive.length === 1 ? all : rungEpochs(all, t.halving?.fraction ?? 0.25, rung);
    };
    const probes = alive.map((t) => rungTrial(t, epochsOf(t), rung, options.data));
    const results = await Promise.all(probes.map((p) => options.run(p)));
    const named = results.map((r, i) => merged(alive[i] as PlannedTrial, r, final.get(alive[i]?.id ?? '')));
    const done = alive.every(
      (t, i) => probes[i]?.spec.hyperparameters.epochs === t.spec.hyperparameters.epochs,
    );
    for (const result of named) final.set(result.id, result);
    if (done) break;
    const ranked = named
      .map((result, index) => ({ result, index }))
      .filter(({ result }) => result.status === 'evaluated' && result.validation)
      .sort(
        (a, b) =>
          rankValue(b.result.validation as NonNullable<TrialResult['validation']>, options.select) -
          rankValue(a.result.validation as NonNullable<TrialResult['validation']>, options.select),
      );
    const kept = new Set(ranked.slice(0, Math.ceil(alive.length / 2)).map(({ index }) => index));
    named.forEach((result, index) => {
      if (kept.has(index) || result.status !== 'evaluated') return;
      final.set(result.id, {
        ...result,
        status: 'halved',
        reason: `stopped after rung ${rung} (${probes[index]?.spec.hyperparameters.epochs} of ${alive[index]?.spec.hyperparameters.epochs} epochs): in the worse half`,
      });
    });
    alive = alive.filter((_, index) => kept.has(index));
  }
  return trials.map((t) => final.get(t.id) as TrialResult);
}
