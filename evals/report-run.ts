import { join, resolve } from 'node:path';
import { Aggregator, type RunSummary } from './aggregate.js';
import type { RunStatus } from './eval-events.js';
import { writeReports } from './report/write-reports.js';
import { readResultLines } from './results-log.js';
import type { LoadedSuite } from './suite.js';

export interface ReportRunInput {
  suite: LoadedSuite;
  /** The folder holding results.jsonl; the reports are written beside it. */
  out: string;
  models: string[];
  status: RunStatus;
  /** The summary the execute stage folded; when absent it is rebuilt from results.jsonl. */
  summary?: RunSummary;
  /** Needed only to rebuild the summary. @default 1 */
  repeats?: number;
  baseline?: string;
}

/** Folds a results.jsonl into a summary (the last line of a (model, case, repeat) is not counted twice). */
export async function summarizeResults(
  resultsFile: string,
  models: string[],
  repeats = 1,
  baseline?: string,
): Promise<RunSummary> {
  const aggregator = new Aggregator(models, repeats, baseline);
  const seen = new Set<string>();
  for await (const result of readResultLines(resultsFile)) {
    if (!models.includes(result.model)) continue;
    const key = `${result.model}\u0000${result.id}\u0000${result.repeat ?? 0}`;
    if (seen.has(key)) continue;
    seen.add(key);
    aggregator.add(result);
  }
  return aggregator.summary();
}

/**
 * The report stage: reads `<out>/results.jsonl` and writes results.json,
 * summary.md, junit.xml and report.html beside it. `runEval` calls it at the
 * end; it also runs alone on the results of an earlier run.
 */
export async function reportRun(input: ReportRunInput): Promise<string[]> {
  const out = resolve(input.out);
  const resultsFile = join(out, 'results.jsonl');
  const summary =
    input.summary ?? (await summarizeResults(resultsFile, input.models, input.repeats, input.baseline));
  return writeReports({
    out,
    resultsFile,
    suite: input.suite,
    summary,
    status: input.status,
    models: input.models,
  });
}
