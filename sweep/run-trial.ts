import { join } from 'node:path';
import type { RunEvalOptions } from '../evals/runner.js';
import { runEval } from '../evals/runner.js';
import type { LoadedSuite } from '../evals/suite.js';
import type { PreparedData } from '../src/dataset/prepared-manifest.js';
import { isPolytuneError } from '../src/errors.js';
import type { JobLedger } from '../src/jobs/job-ledger.js';
import { submitJob } from '../src/jobs/submit-job.js';
import { type WatchJobOptions, waitForJob } from '../src/jobs/wait-for-job.js';
import type { JobRef, JobSnapshot, Provider } from '../src/provider.js';
import type { SpendTracker } from './spend-tracker.js';
import type { SweepEvent } from './sweep-events.js';
import type { PlannedTrial } from './sweep-plan.js';
import type { TrialResult } from './sweep-report.js';
import { metricOf } from './trial-metric.js';

/** Poll settings passed to `waitForJob` (tests inject sleep and clock). */
export type WaitSettings = Pick<
  WatchJobOptions,
  'intervalMs' | 'maxIntervalMs' | 'backoff' | 'jitter' | 'sleep' | 'now' | 'random' | 'timeoutMs'
>;

/** Eval settings passed to `runEval` for every trial and for the winner's test run. */
export type EvalSettings = Pick<
  RunEvalOptions,
  'concurrency' | 'cache' | 'timeoutMs' | 'retry' | 'judge' | 'sleep' | 'random' | 'requestsPerMinute'
>;

export interface TrialContext {
  provider: Provider;
  data: PreparedData;
  ledger: JobLedger;
  spend: SpendTracker;
  /** Keys with a remote job already (an earlier run): re-attaching spends nothing new. */
  existing: ReadonlySet<string>;
  /** The suite on the validation split, materialised once. */
  validationSuite: () => Promise<LoadedSuite>;
  out: string;
  metric: string;
  wait: WaitSettings;
  eval: EvalSettings;
  /** Milliseconds since the sweep started, and the hours budget. */
  elapsedMs: () => number;
  hours?: number;
  now: () => number;
  signal?: AbortSignal;
  emit(event: SweepEvent): void;
}

export function trialResult(trial: PlannedTrial): TrialResult {
  return {
    id: trial.id,
    provider: trial.provider,
    baseModel: trial.spec.baseModel,
    method: trial.spec.method,
    hyperparameters: trial.spec.hyperparameters,
    ...(trial.spec.extra ? { extra: trial.spec.extra } : {}),
    key: trial.key,
    status: trial.status,
    ...(trial.reason ? { reason: trial.reason } : {}),
    ...(trial.estimate ? { estimate: trial.estimate } : {}),
  };
}

/** What the trial cost: the provider's actual figure, else its estimate (the conservative guess). */
function costOf(snapshot: JobSnapshot | undefined, trial: PlannedTrial): { amount: number; actual: boolean } {
  if (snapshot?.cost && !snapshot.cost.estimate) return { amount: snapshot.cost.amount, actual: true };
  return { amount: trial.estimate?.amount ?? 0, actual: false };
}

/** The tuned model's validation run: the sweep metric, or why there is none. */
async function judgeOnValidation(
  trial: PlannedTrial,
  ref: JobRef,
  ctx: TrialContext,
): Promise<Pick<TrialResult, 'model' | 'validation' | 'status' | 'reason'>> {
  const model = await ctx.provider.model(ref);
  try {
    const run = await runEval({
      ...ctx.eval,
      suite: await ctx.validationSuite(),
      models: [model],
      out: join(ctx.out, 'trials', trial.id),
      signal: ctx.signal,
      onEvent: (event) => ctx.emit({ type: 'trial-eval', trial: trial.id, event }),
    });
    const summary = run.summary.models[0];
    const metric = metricOf(run.summary, model.id, ctx.metric);
    if (!summary || !metric)
      return { model: model.id, status: 'failed', reason: `the validation run has no metric ${ctx.metric}` };
    return {
      model: model.id,
      status: 'evaluated',
      validation: { ...metric, n: summary.n, passRate: summary.passRate },
    };
  } finally {
    await model.close?.();
  }
}

/**
 * Runs one planned trial: checks time and money (synchronously, so trials
 * starting side by side never both take the last dollars), submits its job
 * through the idempotent path, waits for it, books its cost, and evaluates the
 * tuned model on the validation split.
 */
export async function runTrial(trial: PlannedTrial, ctx: TrialContext): Promise<TrialResult> {
  const result = trialResult(trial);
  if (ctx.signal?.aborted) return { ...result, status: 'cancelled', reason: 'the sweep was stopped' };
  const estimate = trial.estimate?.amount ?? 0;
  const reattach = ctx.existing.has(trial.key);
  if (!reattach && ctx.hours !== undefined && ctx.elapsedMs() >= ctx.hours * 3_600_000) {
    return { ...result, status: 'skipped-hours', reason: `budget.hours (${ctx.hours} h) has passed` };
  }
  if (!reattach && !ctx.spend.canStart(estimate)) {
    return {
      ...result,
      status: 'skipped-budget',
      reason: `$${ctx.spend.spent.toFixed(2)} spent + $${ctx.spend.committed.toFixed(2)} committed + $${estimate.toFixed(2)} would pass the $${ctx.spend.cap.toFixed(2)} cap`,
    };
  }
  ctx.spend.commit(trial.id, estimate);
  const started = ctx.now();
  result.startedAt = new Date(started).toISOString();
  ctx.emit({ type: 'trial-start', trial: trial.id, provider: trial.provider });
  let snapshot: JobSnapshot | undefined;
  try {
    const submitted = await submitJob(ctx.provider, trial.spec, ctx.data, {
      ledger: ctx.ledger,
      signal: ctx.signal,
      onEvent: (event) => ctx.emit({ type: 'trial-job', trial: trial.id, event }),
    });
    result.remoteId = submitted.ref.remoteId;
    result.reattached = submitted.reattached;
    ctx.emit({
      type: 'trial-submitted',
      trial: trial.id,
      ref: submitted.ref,
      reattached: submitted.reattached,
    });
    snapshot = await waitForJob(ctx.provider, submitted.ref, {
      ...ctx.wait,
      ledger: ctx.ledger,
      signal: ctx.signal,
      onEvent: (event) => ctx.emit({ type: 'trial-job', trial: trial.id, event }),
    });
    result.jobState = snapshot.state;
    if (snapshot.state !== 'succeeded') {
      result.status = 'failed';
      result.reason = `job ${snapshot.state} (${snapshot.rawState})${snapshot.error ? `: ${snapshot.error.message}` : ''}`;
      return result;
    }
    Object.assign(result, await judgeOnValidation(trial, submitted.ref, ctx));
    return result;
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    result.status = 'failed';
    result.reason = isPolytuneError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    return result;
  } finally {
    result.cost = costOf(snapshot, trial);
    ctx.spend.settle(trial.id, result.cost.amount);
    const finished = ctx.now();
    result.finishedAt = new Date(finished).toISOString();
    result.seconds = Math.round((finished - started) / 100) / 10;
  }
}
