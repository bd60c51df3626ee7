import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import { readResultLines } from '../results-log.js';
import type { LoadedSuite } from '../suite.js';
import { JUNIT_CLOSE, JUNIT_SUITE_CLOSE, junitCase, junitOpen, junitSuiteOpen } from './junit-xml.js';
import { HTML_CLOSE, htmlCase, htmlFailuresOpen, htmlHead } from './report-html.js';
import { RESULTS_VERSION, writeResultsJson } from './results-json.js';
import { renderSummaryMarkdown } from './summary-md.js';

export interface WriteReportsInput {
  out: string;
  resultsFile: string;
  suite: LoadedSuite;
  summary: RunSummary;
  status: RunStatus;
  models: string[];
  /** Failures listed in summary.md. @default 50 */
  markdownFailures?: number;
  /** Failures shown in report.html. @default 500 */
  htmlFailures?: number;
}

async function streamTo(file: string, pieces: AsyncIterable<string>): Promise<void> {
  const stream = createWriteStream(file);
  for await (const piece of pieces) {
    if (!stream.write(piece)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Writes results.json, summary.md, junit.xml and report.html from results.jsonl, streaming the cases. */
export async function writeReports(input: WriteReportsInput): Promise<string[]> {
  const { out, resultsFile, summary, status } = input;
  const { suite, file } = input.suite;
  const createdAt = new Date().toISOString();

  const files = {
    json: join(out, 'results.json'),
    md: join(out, 'summary.md'),
    junit: join(out, 'junit.xml'),
    html: join(out, 'report.html'),
  };

  // The pass that writes results.json also collects the first failures for the markdown and HTML reports.
  const mdLimit = input.markdownFailures ?? 50;
  const htmlLimit = input.htmlFailures ?? 500;
  const failures: CaseResult[] = [];
  let failureCount = 0;
  const collect = (r: CaseResult) => {
    if (r.status === 'pass') return;
    failureCount++;
    if (failures.length < Math.max(mdLimit, htmlLimit)) failures.push(r);
  };
  await writeResultsJson(
    files.json,
    {
      version: RESULTS_VERSION,
      status,
      createdAt,
      suite: {
        name: suite.name,
        ...(file ? { file } : {}),
        ...(suite.description ? { description: suite.description } : {}),
        thresholds: suite.thresholds,
        ...(suite.gate ? { gate: suite.gate } : {}),
        generation: suite.generation,
      },
      models: input.models,
      ...(summary.baseline ? { baseline: summary.baseline } : {}),
      summary,
    },
    resultsFile,
    collect,
  );

  await writeFile(
    files.md,
    renderSummaryMarkdown({
      suiteName: suite.name,
      status,
      summary,
      failures: failures.slice(0, mdLimit),
      failureCount,
    }),
  );

  const multiModel = summary.models.length > 1;
  await streamTo(
    files.junit,
    (async function* () {
      yield junitOpen(summary, suite.name);
      for (const m of summary.models) {
        for (const [category, metric] of Object.entries(m.categories)) {
          yield junitSuiteOpen(
            m.model,
            category,
            metric,
            multiModel,
            metric.latency.mean * metric.latency.count,
          );
          // One streaming pass per (model, category): categories are few, memory stays flat.
          for await (const r of readResultLines(resultsFile)) {
            if (r.model === m.model && r.category === category) yield junitCase(r, multiModel);
          }
          yield JUNIT_SUITE_CLOSE;
        }
      }
      yield JUNIT_CLOSE;
    })(),
  );

  await streamTo(
    files.html,
    (async function* () {
      yield htmlHead({ suiteName: suite.name, status, createdAt, summary });
      if (failureCount > 0) {
        const shown = failures.slice(0, htmlLimit);
        yield htmlFailuresOpen(failureCount, shown.length);
        for (const r of shown) yield htmlCase(r);
      }
      yield HTML_CLOSE;
    })(),
  );

  return [files.json, files.md, files.junit, files.html];
}
