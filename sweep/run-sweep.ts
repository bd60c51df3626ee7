import { join, resolve } from 'node:path';
import PQueue from 'p-queue';
import { evaluateGate } from '../evals/gate.js';
import type { LoadedSuite } from '../evals/suite.js';
import { loadSuite } from '../evals/suite-loader.js';
import { roundUsd } from '../src/cost/money.js';
import { PolytuneError } from '../src/errors.js';
import type { JobLedger } from '../src/jobs/job-ledger.js';
import { loadPreparedData } from '../src/jobs/load-prepared.js';
import type { Model } from '../src/provider.js';
import { type EvalSettings, runTrial, trialResult, type WaitSettings } from './run-trial.js';
import { paretoTrials, selectWinner } from './select-winner.js';
import { SpendTracker } from './spend-tracker.js';
import { type SplitReader, suiteOnSplit } from './split-cases.js';
import { runHalving } from './successive-halving.js';
import type { SweepEvent } from './sweep-events.js';
import { writeSweepHtml } from './sweep-html.js';
import { type PlannedTrial, type PlanSweepOptions, planSweep, type SweepPlan } from './sweep-plan.js';
import {
  DISCIPLINE,
  SWEEP_REPORT_VERSION,
  type SweepReport,
  type TrialResult,
  writeSweepJson,
} from './sweep-report.js';
import type { LoadedSweep } from './sweep-schema.js';
import { testWinner } from './test-winner.js';

export interface RunSweepOptions extends PlanSweepOptions {
  /** Folder for sweep.json, sweep.html, the case files and every eval run. */
  out: string;
  ledger: JobLedger;
  /** Resolves the sweep's `baseline` model ref (the CLI's model-ref resolver). */
  resolveModel?: (ref: string) => Promise<Model>;
  /** The suite, when the caller has loaded it; else the sweep's `suite` file. */
  suite?: LoadedSuite;
  /** Reads prepared splits (injectable to count reads). */
  readSplit?: SplitReader;
  wait?: WaitSettings;
  eval?: EvalSettings;
  onEvent?: (event: SweepEvent) => void;
  signal?: AbortSignal;
  /** @default Date.now */
  now?: () => number;
}

async function existingKeys(ledger: JobLedger, plan: SweepPlan): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const trial of plan.trials) {
    if (trial.status === 'planned' && (await ledger.read(trial.key))?.remoteId) keys.add(trial.key);
  }
  return keys;
}

/** Runs the planned trials, each provider's through its own queue (`concurrency`), in plan order. */
async function runTrials(
  loaded: LoadedSweep,
  plan: SweepPlan,
  options: RunSweepOptions,
  shared: { suite: LoadedSuite; dataDir: string; spend: SpendTracker },
): Promise<TrialResult[]> {
  const { sweep } = loaded;
  const now = options.now ?? Date.now;
  const started = now();
  const data = options.data ?? (await loadPreparedData(plan.data));
  const existing = await existingKeys(options.ledger, plan);
  const out = resolve(options.out);
  let validation: Promise<LoadedSuite> | undefined;
  const validationSuite = () => {
    validation ??= suiteOnSplit(shared.suite, 'validation', {
      dataDir: shared.dataDir,
      dir: join(out, 'cases'),
      read: options.readSplit,
    });
    return validation;
  };
  const queues = new Map<string, PQueue>();
  const queueFor = (provider: string) => {
    let queue = queues.get(provider);
    if (!queue) {
      queue = new PQueue({ concurrency: sweep.concurrency[provider] ?? 1 });
      queues.set(provider, queue);
    }
    return queue;
  };
  const emit = options.onEvent ?? (() => undefined);
  const runOne = (trial: PlannedTrial) =>
    queueFor(trial.provider).add(async () => {
      const result = await runTrial(trial, {
        provider: await options.providers(trial.provider),
        data,
        ledger: options.ledger,
        spend: shared.spend,
        existing,
        validationSuite,
        out,
        metric: sweep.metric,
        wait: options.wait ?? {},
        eval: options.eval ?? {},
        elapsedMs: () => now() - started,
        hours: sweep.budget.hours,
        now,
        signal: options.signal,
        emit,
      });
      emit({
        type: 'trial-done',
        trial: trial.id,
        result,
        spent: shared.spend.spent,
        committed: shared.spend.committed,
      });
      return result;
    }) as Promise<TrialResult>;
  const runs: Promise<TrialResult[]>[] = [];
  const halvingBlocks = new Map<string, PlannedTrial[]>();
  for (const trial of plan.trials) {
    if (trial.status !== 'planned') runs.push(Promise.resolve([trialResult(trial)]));
    else if (trial.halving)
      halvingBlocks.set(trial.block, [...(halvingBlocks.get(trial.block) ?? []), trial]);
    else runs.push(runOne(trial).then((result) => [result]));
  }
  for (const block of halvingBlocks.values())
    runs.push(runHalving(block, { data, select: sweep.select, run: runOne }));
  const byId = new Map((await Promise.all(runs)).flat().map((result) => [result.id, result]));
  return plan.trials.map((trial) => byId.get(trial.id) as TrialResult);
}

/**
 * Runs a sweep: plans it (no money before the plan fits the budget), runs
 * every planned trial as an idempotent job while tracking actual spend,
 * judges each tuned model on the validation split, picks the winner by the
 * sweep metric, evaluates only the winner on the test split (once, against
 * the baseline), applies the suite's thresholds to that result, and writes
 * `sweep.json` and `sweep.html`. A re-run re-attaches to every trial's job.
 */
export async function runSweep(loaded: LoadedSweep, options: RunSweepOptions): Promise<SweepReport> {
  const { sweep } = loaded;
  const now = options.now ?? Date.now;
  const startedAt = new Date(now()).toISOString();
  const data = options.data ?? (await loadPreparedData(resolve(loaded.baseDir, sweep.data)));
  const suite =
    options.suite ?? (sweep.suite ? await loadSuite(resolve(loaded.baseDir, sweep.suite)) : undefined);
  if (!suite) {
    throw new PolytuneError('INVALID_INPUT', `The sweep ${sweep.name} names no suite.`, {
      hint: 'Add `suite: <suite file>` to the sweep file (or pass `suite` to runSweep).',
      file: loaded.file,
    });
  }
  const plan = await planSweep(loaded, { ...options, data });
  options.onEvent?.({ type: 'plan', plan });
  const spend = new SpendTracker(sweep.budget.usd);
  const trials = await runTrials(loaded, plan, { ...options, data }, { suite, dataDir: data.dir, spend });
  options.signal?.throwIfAborted();

  const front = paretoTrials(trials);
  for (const trial of trials) if (front.has(trial.id)) trial.pareto = true;
  const winner = selectWinner(trials, sweep.select);
  const report: SweepReport = {
    version: SWEEP_REPORT_VERSION,
    name: sweep.name,
    discipline: DISCIPLINE,
    metric: sweep.metric,
    select: sweep.select,
    order: sweep.order,
    budget: { ...sweep.budget, planned: plan.total, spent: roundUsd(spend.spent) },
    startedAt,
    finishedAt: startedAt,
    trials,
    pareto: [...front],
    files: [],
  };
  if (winner?.validation && winner.model) {
    options.onEvent?.({ type: 'winner', trial: winner.id });
    const provider = await options.providers(winner.provider);
    const { test, run } = await testWinner({
      winnerModel: () =>
        provider.model({ provider: winner.provider, key: winner.key, remoteId: winner.remoteId ?? '' }),
      baselineRef: sweep.baseline,
      resolveModel: options.resolveModel,
      suite,
      dataDir: data.dir,
      out: resolve(options.out),
      metric: sweep.metric,
      readSplit: options.readSplit,
      eval: options.eval ?? {},
      signal: options.signal,
      onEvent: (event) => options.onEvent?.({ type: 'test-eval', event }),
    });
    report.winner = { trial: winner.id, model: test.summary.model, validation: winner.validation, test };
    if (suite.suite.thresholds.length) {
      report.gate = evaluateGate(run, suite.suite.thresholds, { models: [test.summary.model] });
    }
  }
  report.finishedAt = new Date(now()).toISOString();
  const out = resolve(options.out);
  report.files = [join(out, 'sweep.json'), join(out, 'sweep.html')];
  await writeSweepJson(out, report);
  await writeSweepHtml(out, report);
  options.onEvent?.({ type: 'done', report });
  return report;
}
