import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type ModelHints, modelInfos, nameOf } from '../../../evals/report/model-names.js';
import { writeReports } from '../../../evals/report/write-reports.js';
import { runEval } from '../../../evals/runner.js';
import { loadSuite } from '../../../evals/suite-loader.js';
import { PolytuneError } from '../../errors.js';
import type { Model } from '../../provider.js';
import { printComparison } from '../comparison-table.js';
import { collect, positiveInt } from '../flag-values.js';
import { MODEL_REF_FORMS, parseNamedModel, resolveModelRefWithJob } from '../model-ref.js';
import { isInteractive, out } from '../output.js';
import { type ProviderContext, providerContext } from '../provider-settings.js';
import { appendStepSummary } from '../step-summary.js';
import { progressRenderer } from './eval.js';

/**
 * `polytune compare`: one suite on several models (any mix of providers and
 * `job:` refs), one table and one report of cost against accuracy with
 * intervals, Pareto-best models marked. A model that came from a job carries its
 * training cost from the ledger (the actual when the provider billed it, else
 * the estimate).
 */
interface CompareFlags {
  suite: string;
  model?: string[];
  baseline?: string;
  out: string;
  concurrency: string;
  rpm?: string;
  cache: boolean;
  cacheDir: string;
  json?: boolean;
  wide?: boolean;
  config?: string;
  ledgerDir?: string;
}

interface ResolvedModel {
  ref: string;
  name?: string;
  model: Model;
  job?: string;
  trainingCost?: { amount: number; estimate: boolean };
}

async function resolveWithTrainingCost(
  wanted: { ref: string; name?: string },
  context: ProviderContext,
): Promise<ResolvedModel> {
  const { model, job } = await resolveModelRefWithJob(wanted.ref, context);
  const cost = job?.costActual ?? job?.costEstimate;
  return {
    ...wanted,
    model,
    ...(job ? { job: job.key } : {}),
    ...(cost ? { trainingCost: { amount: cost.amount, estimate: cost.estimate } } : {}),
  };
}

export async function runCompare(flags: CompareFlags): Promise<number> {
  const suite = await loadSuite(flags.suite);
  const suiteModels = suite.suite.models ?? {};
  const wanted = (flags.model?.length ? flags.model : Object.keys(suiteModels)).map((arg) =>
    parseNamedModel(arg, suiteModels),
  );
  // --baseline may name a model given as --model <name>=<ref>.
  const base = flags.baseline
    ? (wanted.find((w) => w.name === flags.baseline) ?? parseNamedModel(flags.baseline, suiteModels))
    : undefined;
  if (base && !wanted.some((w) => w.ref === base.ref)) wanted.push(base);
  if (wanted.length < 2) {
    throw new PolytuneError('USAGE', 'compare needs at least two models.', {
      hint: `Pass --model <ref> or --model <name>=<ref> for each (and optionally --baseline <ref>). ${MODEL_REF_FORMS.join('; ')}`,
    });
  }
  const context = await providerContext({ config: flags.config, ledgerDir: flags.ledgerDir });
  const resolved: ResolvedModel[] = [];
  for (const w of wanted) resolved.push(await resolveWithTrainingCost(w, context));
  const models = resolved.map((r) => r.model);
  const baseline = base ? resolved.find((r) => r.ref === base.ref)?.model.id : undefined;
  const names: ModelHints = Object.fromEntries(
    resolved.map((r) => [
      r.model.id,
      { ref: r.ref, ...(r.name ? { name: r.name } : {}), ...(r.job ? { job: r.job } : {}) },
    ]),
  );
  const outDir = resolve(flags.out);
  try {
    const run = await runEval({
      suite,
      models,
      baseline,
      out: outDir,
      concurrency: positiveInt('--concurrency', flags.concurrency),
      requestsPerMinute: positiveInt('--rpm', flags.rpm),
      cache: flags.cache ? flags.cacheDir : false,
      reports: false,
      onEvent: flags.json ? undefined : progressRenderer(isInteractive()),
    });
    const trainingCost = Object.fromEntries(
      resolved.filter((r) => r.trainingCost).map((r) => [r.model.id, r.trainingCost!.amount]),
    );
    const summary = {
      ...run.summary,
      models: run.summary.models.map((m) =>
        trainingCost[m.model] === undefined ? m : { ...m, trainingCost: trainingCost[m.model] },
      ),
    };
    const files = await writeReports({
      out: outDir,
      resultsFile: join(outDir, 'results.jsonl'),
      suite,
      summary,
      status: run.status,
      models: models.map((m) => m.id),
      names,
    });
    await appendStepSummary(join(outDir, 'summary.md'));
    if (flags.json) {
      out.json({ status: run.status, summary, files });
    } else {
      const name = nameOf(
        modelInfos(
          models.map((m) => m.id),
          names,
        ),
      );
      printComparison(summary, { nameOf: name, wide: flags.wide ?? false });
      const estimated = resolved.filter((r) => r.trainingCost?.estimate).map((r) => r.name ?? r.ref);
      if (estimated.length) out.line(`training cost is an estimate for: ${estimated.join(', ')}`);
      out.line(`reports: ${[join(outDir, 'results.jsonl'), ...files].join(', ')}`);
    }
    return run.status === 'complete' ? 0 : 1;
  } finally {
    await Promise.all(models.map((m) => m.close?.().catch(() => undefined)));
  }
}

export function register(program: Command): void {
  program
    .command('compare')
    .description(
      'run one suite on several models and compare cost, latency and accuracy (Pareto-best marked)',
    )
    .requiredOption('--suite <file>', 'suite file (YAML or JSON)')
    .option(
      '--model <ref>',
      "model to compare (repeatable; at least two with --baseline): <ref>, <name>=<ref>, or a name from the suite's models: map",
      collect,
    )
    .option('--baseline <ref>', 'model the others are tested against (paired McNemar test)')
    .option('--out <dir>', 'folder for results and reports', 'compare-out')
    .option('--concurrency <n>', 'requests in flight at once', '8')
    .option('--rpm <n>', 'requests per minute (all models together)')
    .option('--no-cache', 'do not read or write the response cache')
    .option('--cache-dir <dir>', 'response cache folder', '.polytune/eval-cache')
    .option('--json', 'print the summary as JSON')
    .option(
      '--wide',
      'print every column (intervals per category, counts, full model ids); default fits 100 columns',
    )
    .option('--config <file>', 'polytune config file')
    .option('--ledger-dir <dir>', 'job ledger folder for job:<id> refs')
    .addHelpText(
      'after',
      `\nExample:\n  polytune compare --suite suite.yaml --model tuned=job:3f2a9c --model mini=openai:gpt-4.1-mini \\\n    --model vertex:projects/p/locations/us-central1/endpoints/123 --baseline mini\n\nModel refs:\n  ${MODEL_REF_FORMS.join('\n  ')}\n`,
    )
    .action(async (flags: CompareFlags) => {
      process.exitCode = await runCompare(flags);
    });
}
