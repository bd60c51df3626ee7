import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import { evaluateGate, type GateResult } from '../gate.js';
import { readResultLines } from '../results-log.js';
import type { LoadedSuite } from '../suite.js';
import { JUNIT_CLOSE, JUNIT_SUITE_CLOSE, junitCase, junitOpen, junitSuiteOpen } from './junit-xml.js';
import { type ModelHints, modelInfos, nameOf, suiteModelHints } from './model-names.js';
import { provenance } from './provenance.js';
import { buildReportData } from './report-data.js';
import { renderReportHtml } from './report-html.js';
import { RESULTS_VERSION, type ResultsHeader, writeResultsJson } from './results-json.js';
import { renderSummaryMarkdown } from './summary-md.js';

export interface WriteReportsInput {
  out: string;
  resultsFile: string;
  suite: LoadedSuite;
  summary: RunSummary;
  status: RunStatus;
  models: string[];
  /** Display names, refs and training jobs by model id (`--model name=ref`); the suite's `models:` map and short defaults fill the rest. */
  names?: ModelHints;
  /** Failures listed in summary.md when there is no baseline (with one, regressions are listed). @default 50 */
  markdownFailures?: number;
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

/** The header of results.json for a finished run: suite, models with their names, provenance, summary. */
export function resultsHeader(input: WriteReportsInput): ResultsHeader {
  const { suite, file } = input.suite;
  const createdAt = new Date().toISOString();
  // Per model: what the caller knows (a --model name, the ref, the job) over the suite's models: map.
  const fromSuite = suiteModelHints(suite.models, input.models);
  const hints: ModelHints = Object.fromEntries(
    input.models.map((id) => [id, { ...fromSuite[id], ...input.names?.[id] }]),
  );
  return {
    version: RESULTS_VERSION,
    status: input.status,
    createdAt,
    suite: {
      name: suite.name,
      ...(file ? { file } : {}),
      ...(suite.description ? { description: suite.description } : {}),
      thresholds: suite.thresholds,
      ...(suite.gate ? { gate: suite.gate } : {}),
      generation: suite.generation,
      ...(suite.labels ? { labels: suite.labels } : {}),
    },
    models: input.models,
    modelInfo: modelInfos(input.models, hints),
    provenance: provenance(suite, createdAt),
    ...(input.summary.baseline ? { baseline: input.summary.baseline } : {}),
    summary: input.summary,
  };
}

/** Writes results.json, summary.md, junit.xml and report.html from results.jsonl. */
export async function writeReports(input: WriteReportsInput): Promise<string[]> {
  return writeReportsFromHeader({
    out: input.out,
    resultsFile: input.resultsFile,
    header: resultsHeader(input),
    markdownFailures: input.markdownFailures,
  });
}

function suiteGate(header: ResultsHeader): GateResult | undefined {
  if (header.suite.thresholds.length === 0) return undefined;
  try {
    return evaluateGate(
      header.summary,
      header.suite.thresholds,
      header.suite.gate ? { rule: header.suite.gate.rule } : {},
    );
  } catch {
    return undefined; // a threshold that does not parse is reported by `polytune gate`, not here
  }
}

/**
 * Every report from a results header and results.jsonl: what the runner writes
 * after a run and what `polytune report` writes again later, with no model call.
 */
export async function writeReportsFromHeader(input: {
  out: string;
  resultsFile: string;
  header: ResultsHeader;
  markdownFailures?: number;
}): Promise<string[]> {
  const { out, resultsFile, header } = input;
  const { summary, status } = header;
  const models = header.modelInfo ?? modelInfos(header.models);
  const name = nameOf(models);
  const files = {
    json: join(out, 'results.json'),
    md: join(out, 'summary.md'),
    junit: join(out, 'junit.xml'),
    html: join(out, 'report.html'),
  };

  // The pass that writes results.json also collects the first failures for summary.md.
  const mdLimit = summary.baseline ? 0 : (input.markdownFailures ?? 50);
  const failures: CaseResult[] = [];
  let failureCount = 0;
  await writeResultsJson(files.json, header, resultsFile, (r) => {
    if (r.status === 'pass') return;
    failureCount++;
    if (failures.length < mdLimit) failures.push(r);
  });

  const data = await buildReportData(resultsFile, models, {
    baseline: summary.baseline,
    labels: header.suite.labels,
  });
  const gate = suiteGate(header);
  await writeFile(
    files.md,
    renderSummaryMarkdown({
      suiteName: header.suite.name,
      status,
      summary,
      failures,
      failureCount,
      nameOf: name,
      data,
      ...(gate ? { gate } : {}),
    }),
  );

  const multiModel = summary.models.length > 1;
  await streamTo(
    files.junit,
    (async function* () {
      yield junitOpen(summary, header.suite.name);
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

  await writeFile(
    files.html,
    renderReportHtml({
      suiteName: header.suite.name,
      status,
      createdAt: header.createdAt,
      summary,
      models,
      ...(header.provenance ? { provenance: header.provenance } : {}),
      data,
    }),
  );

  return [files.json, files.md, files.junit, files.html];
}
