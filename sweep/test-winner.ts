import { join } from 'node:path';
import type { RunSummary } from '../evals/aggregate.js';
import type { EvalEvent } from '../evals/eval-events.js';
import { runEval } from '../evals/runner.js';
import type { LoadedSuite } from '../evals/suite.js';
import { PolytuneError } from '../src/errors.js';
import type { Model } from '../src/provider.js';
import type { EvalSettings } from './run-trial.js';
import { type SplitReader, suiteOnSplit } from './split-cases.js';
import type { SweepReport } from './sweep-report.js';
import { metricOf } from './trial-metric.js';

export interface TestWinnerOptions {
  winnerModel: () => Promise<Model>;
  baselineRef?: string;
  resolveModel?: (ref: string) => Promise<Model>;
  suite: LoadedSuite;
  dataDir: string;
  out: string;
  metric: string;
  readSplit?: SplitReader;
  eval: EvalSettings;
  signal?: AbortSignal;
  onEvent?: (event: EvalEvent) => void;
}

async function resolveBaseline(options: TestWinnerOptions): Promise<Model | undefined> {
  const ref = options.baselineRef;
  if (!ref) return undefined;
  if (!options.resolveModel) {
    throw new PolytuneError('USAGE', `The sweep names baseline ${ref} but no model resolver was given.`, {
      hint: 'Pass resolveModel to runSweep (the CLI does), or drop `baseline` from the sweep.',
    });
  }
  return options.resolveModel(ref);
}

/**
 * The winner's one run on the test split, beside the baseline when the sweep
 * names one. This is the only place the test split is read.
 */
export async function testWinner(
  options: TestWinnerOptions,
): Promise<{ test: NonNullable<SweepReport['winner']>['test']; run: RunSummary }> {
  const testSuite = await suiteOnSplit(options.suite, 'test', {
    dataDir: options.dataDir,
    dir: join(options.out, 'cases'),
    read: options.readSplit,
  });
  const model = await options.winnerModel();
  const baseline = await resolveBaseline(options);
  const compared = baseline && baseline.id !== model.id ? baseline : undefined;
  const out = join(options.out, 'test');
  try {
    const run = await runEval({
      ...options.eval,
      suite: testSuite,
      models: compared ? [model, compared] : [model],
      ...(compared ? { baseline: compared.id } : {}),
      out,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    const summary = run.summary.models.find((m) => m.model === model.id);
    if (!summary) throw new PolytuneError('INTERNAL', `The test run has no result for ${model.id}.`);
    const metric = metricOf(run.summary, model.id, options.metric);
    const baselineSummary = compared && run.summary.models.find((m) => m.model === compared.id);
    return {
      test: {
        summary,
        ...(metric ? { metric } : {}),
        ...(baselineSummary ? { baseline: baselineSummary } : {}),
        out,
      },
      run: run.summary,
    };
  } finally {
    await model.close?.();
    await baseline?.close?.();
  }
}
