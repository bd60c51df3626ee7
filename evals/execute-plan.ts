import PQueue from 'p-queue';
import { PolytuneError } from '../src/errors.js';
import { runProviderBatches } from './batch/run-provider-batches.js';
import { CaseDeadlines } from './case-deadlines.js';
import { type CaseResult, resultKey } from './case-result.js';
import type { EvalEvent, RunStatus } from './eval-events.js';
import { JudgeCalls } from './judge-calls.js';
import { ModelCalls } from './model-calls.js';
import type { ExecuteModel } from './model-execution.js';
import { plannedCases, type RunPlan } from './plan-run.js';
import { ResultsWriter } from './results-log.js';
import { createCaseRunner, gradeAnswer } from './run-case.js';
import type { EvalRunResult, RunEvalOptions } from './run-options.js';

export type { ExecuteModel, ModelExecution } from './model-execution.js';

type Counts = EvalRunResult['counts'];

/** Appends each finished line to results.jsonl, then folds it into the summary and reports progress. */
class ResultRecorder {
  readonly counts: Counts;
  failure: unknown;
  private readonly writer: ResultsWriter;

  constructor(
    private readonly plan: RunPlan,
    private readonly emit: (event: EvalEvent) => void,
  ) {
    this.writer = new ResultsWriter(plan.resultsFile, plan.append);
    this.counts = { planned: plan.total, written: 0, resumed: plan.done.size, errors: 0, cached: 0 };
  }

  record = async (result: CaseResult): Promise<void> => {
    try {
      await this.writer.write(result);
    } catch (error) {
      this.failure ??= error;
      return;
    }
    const { counts } = this;
    this.plan.aggregator.add(result);
    counts.written++;
    if (result.status === 'error') counts.errors++;
    if (result.cached) counts.cached++;
    this.emit({
      type: 'case',
      result,
      done: counts.written,
      total: this.plan.total,
      errors: counts.errors,
      cached: counts.cached,
    });
  };

  close(): Promise<void> {
    return this.writer.close();
  }
}

type RunCase = ReturnType<typeof createCaseRunner>;

/** The default executor: one online request per case, every model through one queue (concurrency, rpm). */
async function executeOnline(
  plan: RunPlan,
  options: RunEvalOptions,
  runCase: RunCase,
  recorder: ResultRecorder,
): Promise<void> {
  const concurrency = options.concurrency ?? 8;
  const queue = new PQueue({
    concurrency,
    ...(options.requestsPerMinute
      ? { intervalCap: options.requestsPerMinute, interval: 60_000, strict: true }
      : {}),
  });
  const backlog = Math.min(concurrency, 16);
  outer: for await (const testCase of plan.stream.cases()) {
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      for (const model of plan.models) {
        if (options.signal?.aborted || recorder.failure) break outer;
        if (plan.done.has(resultKey(model.id, testCase.id, repeat))) continue;
        // Backpressure: only a few tasks wait in the queue, so memory does not grow with the suite;
        // a short backlog also keeps waiting cases young enough to die in V8's new space.
        if (queue.size >= backlog) await queue.onSizeLessThan(Math.ceil(backlog / 2));
        queue.add(async () => {
          if (options.signal?.aborted) return;
          await recorder.record(await runCase(model, testCase, repeat));
        });
      }
    }
  }
  await queue.onIdle();
}

/** Each model through the caller's executor (e.g. a batch API), side by side. */
async function executeEach(
  plan: RunPlan,
  options: RunEvalOptions & { executeModel: ExecuteModel },
  runCase: RunCase,
  recorder: ResultRecorder,
  judges: JudgeCalls,
): Promise<void> {
  const emit = options.onEvent ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  await Promise.all(
    plan.models.map((model) =>
      options.executeModel({
        model,
        cases: plannedCases(plan, model),
        record: recorder.record,
        grade: (testCase, repeat, generation) =>
          gradeAnswer(model, testCase, repeat, generation, { judges, signal, now: options.now ?? Date.now }),
        runOnline: (testCase, repeat) => runCase(model, testCase, repeat),
        ...(options.signal ? { signal: options.signal } : {}),
        emit,
      }),
    ),
  );
}

/**
 * The execute stage: runs every planned (model, case, repeat) and writes its
 * one line to results.jsonl as it finishes. Returns whether every planned
 * line was written, and the counts.
 */
export async function executePlan(
  plan: RunPlan,
  options: RunEvalOptions,
): Promise<{ status: RunStatus; counts: Counts }> {
  const emit = options.onEvent ?? (() => undefined);
  const calls = new ModelCalls(options);
  const judges = new JudgeCalls(options.judge, calls);
  const deadlines = new CaseDeadlines(options.timeoutMs ?? 120_000, options.signal);
  const runCase = createCaseRunner({
    suite: options.suite.suite,
    calls,
    judges,
    deadlines,
    emit,
    now: options.now ?? Date.now,
  });
  const recorder = new ResultRecorder(plan, emit);
  try {
    if (options.executeModel) {
      await executeEach(plan, { ...options, executeModel: options.executeModel }, runCase, recorder, judges);
    } else {
      // --batch: provider batch services answer what they can; the online executor runs the rest.
      await runProviderBatches(plan, options, recorder, judges);
      await executeOnline(plan, options, runCase, recorder);
    }
  } finally {
    deadlines.dispose();
    await calls.close();
    await recorder.close();
  }
  if (recorder.failure) {
    const failure = recorder.failure as Error;
    throw new PolytuneError('INTERNAL', `Cannot write ${plan.resultsFile}: ${failure.message}`, {
      cause: failure,
      hint: 'Check free disk space and permissions on the --out folder, then re-run with --resume.',
    });
  }
  const { counts } = recorder;
  const status: RunStatus = options.signal?.aborted || counts.written < plan.total ? 'cancelled' : 'complete';
  return { status, counts };
}
