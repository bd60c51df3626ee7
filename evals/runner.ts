import { executePlan } from './execute-plan.js';
import { planRun } from './plan-run.js';
import { reportRun } from './report-run.js';
import type { EvalRunResult, RunEvalOptions } from './run-options.js';

export type { ExecuteModel, ModelExecution, PlannedCase } from './model-execution.js';
export { buildRequest } from './run-case.js';
export type { EvalRunResult, RunEvalOptions } from './run-options.js';

/**
 * Runs every case of a suite against every model, in three stages:
 * - plan (plan-run.ts): check the options, open the suite's cases, read the resume set, count the work;
 * - execute (execute-plan.ts, run-case.ts, model-calls.ts, judge-calls.ts): queue with concurrency and
 *   rate limits, cache, retry through the one retry policy, per-case deadlines, grade (judge included),
 *   append each result to `<out>/results.jsonl` as it finishes and fold it into the summary;
 * - report (report-run.ts): results.json, summary.md, junit.xml, report.html from results.jsonl.
 * Every planned (model, case, repeat) ends as exactly one line: pass, fail or error, with a reason.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalRunResult> {
  const plan = await planRun(options);
  const emit = options.onEvent ?? (() => undefined);
  emit({
    type: 'start',
    total: plan.total,
    resumed: plan.done.size,
    cases: plan.caseCount,
    models: plan.ids,
    out: plan.out,
  });
  const { status, counts } = await executePlan(plan, options);
  const summary = plan.aggregator.summary();
  const files = [plan.resultsFile];
  if (options.reports !== false) {
    files.push(
      ...(await reportRun({ suite: options.suite, out: plan.out, models: plan.ids, status, summary })),
    );
  }
  emit({ type: 'done', summary, files, status });
  return { status, summary, counts, files };
}
