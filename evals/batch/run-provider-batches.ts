import type { CaseResult } from '../case-result.js';
import { resultKey } from '../case-result.js';
import type { JudgeCalls } from '../judge-calls.js';
import type { RunPlan } from '../plan-run.js';
import { buildRequest, gradeAnswer } from '../run-case.js';
import type { RunEvalOptions } from '../run-options.js';
import { batchErrorResult } from './batch-error-result.js';
import { executeBatches } from './execute-batches.js';

/**
 * `--batch`, inside the execute stage: the models that have a provider batch
 * service (`Model.batch`) send their planned cases through it first, at batch
 * prices; every line it answers is graded and recorded once and marked done, so
 * the online executor that runs next only takes what is left (other models,
 * lines the service failed). A batch has no per-request latency.
 */
export async function runProviderBatches(
  plan: RunPlan,
  options: RunEvalOptions,
  recorder: { record(result: CaseResult): Promise<void> },
  judges: JudgeCalls,
): Promise<void> {
  if (!options.batch || !plan.models.some((m) => m.batch)) return;
  const batchOptions = typeof options.batch === 'object' ? options.batch : {};
  const now = options.now ?? Date.now;
  const signal = options.signal ?? new AbortController().signal;
  await executeBatches({
    ...batchOptions,
    suite: options.suite,
    cases: () => plan.stream.cases(),
    models: plan.models,
    repeats: plan.repeats,
    buildRequest,
    isDone: (model, id, repeat) => plan.done.has(resultKey(model, id, repeat)),
    settle: async (model, testCase, repeat, generation) => {
      const result = await gradeAnswer(model, testCase, repeat, generation, { judges, signal, now });
      delete result.latencyMs;
      plan.done.add(resultKey(model.id, testCase.id, repeat));
      await recorder.record(result);
    },
    fail: async (model, testCase, repeat, error) => {
      plan.done.add(resultKey(model.id, testCase.id, repeat));
      await recorder.record(
        batchErrorResult(model.id, testCase, repeat, error, new Date(now()).toISOString()),
      );
    },
    emit: options.onEvent ?? (() => undefined),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
