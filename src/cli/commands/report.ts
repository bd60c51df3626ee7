import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Aggregator } from '../../../evals/aggregate.js';
import { readResultsSummary } from '../../../evals/report/results-json.js';
import { writeReportsFromHeader } from '../../../evals/report/write-reports.js';
import { readResultLines } from '../../../evals/results-log.js';
import { PolytuneError } from '../../errors.js';
import { out } from '../output.js';

/**
 * `polytune report <out-dir>`: writes results.json, summary.md, junit.xml and
 * report.html again from results.jsonl, with no model call, so a run can be
 * re-rendered after an upgrade. The suite, models and names come from the
 * existing results.json; the figures are counted again from the results.
 */
export async function runReport(dir: string): Promise<number> {
  const outDir = resolve(dir);
  const resultsFile = join(outDir, 'results.jsonl');
  if (!(await stat(resultsFile).catch(() => undefined))) {
    throw new PolytuneError('USAGE', `No results.jsonl in ${outDir}.`, {
      hint: 'Pass the --out folder of a `polytune eval` or `polytune compare` run.',
    });
  }
  const header = await readResultsSummary(join(outDir, 'results.json'));
  const { repeats } = header.summary;
  const aggregator = new Aggregator(header.models, repeats, header.baseline);
  for await (const result of readResultLines(resultsFile)) aggregator.add(result);
  const fresh = aggregator.summary();
  // Training cost comes from the job ledger at compare time; it is not in the results.
  const training = new Map(header.summary.models.map((m) => [m.model, m.trainingCost]));
  const summary = {
    ...fresh,
    models: fresh.models.map((m) => {
      const trainingCost = training.get(m.model);
      return trainingCost === undefined ? m : { ...m, trainingCost };
    }),
  };
  const files = await writeReportsFromHeader({ out: outDir, resultsFile, header: { ...header, summary } });
  out.line(`reports: ${files.join(', ')}`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Write every report of an eval folder again from its results.jsonl (no model calls)')
    .argument('<out-dir>', 'the --out folder of `polytune eval` or `polytune compare`')
    .addHelpText('after', '\nExample:\n  polytune report polytune-demo/eval\n')
    .action(async (dir: string) => {
      process.exitCode = await runReport(dir);
    });
}
