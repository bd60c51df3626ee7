import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSummary } from '../evals/aggregate.js';
import type { GateResult } from '../evals/gate.js';
import type { CostEstimate } from '../src/cost/cost-estimate.js';
import { writeJsonAtomic } from '../src/files/write-atomic.js';
import type { JobState } from '../src/jobs/job-state.js';
import { redactValue } from '../src/redact.js';
import type { TrialPlanStatus } from './sweep-plan.js';
import type { MetricValue } from './trial-metric.js';

export const SWEEP_REPORT_VERSION = 1;

/** What the report says about where each figure comes from. */
export const DISCIPLINE =
  'Every trial is judged on held-out cases drawn from the validation split (with edge and adversarial cases derived from them); ' +
  'only the winner is evaluated on the test split, once, and that figure alone is reported as its score.';

/**
 * `skipped-budget` / `skipped-hours`: planned, but not started because the money (actual +
 * committed) or the time ran out during the run. `halved`: stopped early by successive halving.
 */
export type TrialOutcome =
  | TrialPlanStatus
  | 'evaluated'
  | 'halved'
  | 'failed'
  | 'skipped-budget'
  | 'skipped-hours'
  | 'cancelled';

export interface TrialResult {
  id: string;
  provider: string;
  baseModel: string;
  method: string;
  hyperparameters: Record<string, unknown>;
  extra?: Record<string, unknown>;
  key: string;
  remoteId?: string;
  /** True when the job existed already (an earlier run of the sweep) and nothing was created. */
  reattached?: boolean;
  status: TrialOutcome;
  reason?: string;
  jobState?: JobState;
  estimate?: CostEstimate;
  /** What the trial cost: the provider's figure when it reports one (`actual`), else the estimate. */
  cost?: { amount: number; actual: boolean };
  /** The sweep metric on the validation split. */
  validation?: MetricValue & { n: number; passRate: number };
  model?: string;
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  /** On the Pareto front of cost against the validation metric. */
  pareto?: boolean;
}

export interface SweepReport {
  version: typeof SWEEP_REPORT_VERSION;
  name: string;
  discipline: string;
  metric: string;
  select: 'point' | 'lower-bound';
  order: 'cheapest-first' | 'file';
  budget: { usd: number; trials?: number; hours?: number; planned: number; spent: number };
  startedAt: string;
  finishedAt: string;
  trials: TrialResult[];
  pareto: string[];
  winner?: {
    trial: string;
    model: string;
    validation: MetricValue;
    /** The winner's one evaluation on the test split (and the baseline's, when there is one). */
    test: { metric?: MetricValue; summary: ModelSummary; baseline?: ModelSummary; out: string };
  };
  /** The suite's thresholds applied to the winner's test result. */
  gate?: GateResult;
  files: string[];
}

/** Writes `sweep.json` atomically, redacted. */
export async function writeSweepJson(out: string, report: SweepReport): Promise<string> {
  await mkdir(out, { recursive: true });
  const file = join(out, 'sweep.json');
  await writeJsonAtomic(file, redactValue(report));
  return file;
}
