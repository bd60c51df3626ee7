import { join } from 'node:path';
import type { Command } from 'commander';
import type { EvalEvent } from '../../../evals/eval-events.js';
import { evaluateGate } from '../../../evals/gate.js';
import { pValue } from '../../../evals/report/escape.js';
import { type ModelHints, modelInfos, nameOf } from '../../../evals/report/model-names.js';
import { writeReports } from '../../../evals/report/write-reports.js';
import { runEval } from '../../../evals/runner.js';
import { loadSuite } from '../../../evals/suite-loader.js';
import { PolytuneError } from '../../errors.js';
import type { Model } from '../../provider.js';
import { collect, positiveInt } from '../flag-values.js';
import { MODEL_REF_FORMS, parseNamedModel, resolveModelRef, resolveModelRefWithJob } from '../model-ref.js';
import { isInteractive, out } from '../output.js';
import { formatDuration } from '../progress.js';
import { providerContext } from '../provider-settings.js';
import { appendStepSummary } from '../step-summary.js';
import { printGate } from './gate.js';

interface EvalFlags {
  suite: string;
  model?: string[];
  baseline?: string;
  out: string;
  concurrency: string;
  rpm?: string;
  tpm?: string;
  resume?: boolean;
  repeats: string;
  cache: boolean;
  cacheDir?: string;
  timeout: string;
  judge?: string;
  gate?: boolean;
  json?: boolean;
  config?: string;
  ledgerDir?: string;
  batch?: boolean;
  batchPoll?: string;
  batchFailed?: string;
}

/** Renders runner events: a live bar on a terminal, plain lines (every 10% or 15 s) in CI or a pipe. */
export function progressRenderer(live: boolean, now: () => number = Date.now): (event: EvalEvent) => void {
  let started = now();
  let lastPlain = 0;
  let lastDecile = -1;
  let lastDraw = 0;
  let retries = 0;
  let errorsShown = 0;
  return (event) => {
    if (event.type === 'start') {
      started = now();
      out.info(
        `eval: ${event.cases} cases × ${event.models.length} model(s)${event.resumed ? `, ${event.resumed} results kept from before` : ''} → ${event.total} to run; writing to ${event.out}`,
      );
      return;
    }
    if (event.type === 'retry') {
      retries++;
      if (!live && retries <= 10)
        out.info(
          `retry ${event.attempt} for ${event.model} ${event.id} in ${event.delayMs} ms: ${event.reason}`,
        );
      return;
    }
    if (event.type === 'done') {
      if (live) out.endStatus();
      return;
    }
    if (event.type === 'batch') {
      if (live) out.endStatus();
      const counts = event.counts
        ? ` ${event.counts.completed}/${event.counts.total} done, ${event.counts.failed} failed`
        : '';
      out.info(
        `batch ${event.chunk} of ${event.model} (${event.remoteId ?? event.key}): ${event.state}${event.rawState && event.rawState !== event.state ? ` [${event.rawState}]` : ''}${counts}${event.online ? `; ${event.online} left to run online` : ''}${event.reported ? `; ${event.reported} written as errors` : ''}${event.error ? `; ${event.error}` : ''}`,
      );
      return;
    }
    const { done, total, errors, cached } = event;
    const elapsed = now() - started;
    const rate = elapsed > 0 ? (done / elapsed) * 1000 : 0;
    const eta = rate > 0 ? ((total - done) / rate) * 1000 : Number.POSITIVE_INFINITY;
    const text = `${done}/${total} ${total ? ((done / total) * 100).toFixed(1) : '100.0'}% · ${rate.toFixed(1)}/s · ETA ${formatDuration(eta)} · ${errors} errors · ${cached} cached${retries ? ` · ${retries} retries` : ''}`;
    if (event.result.status === 'error' && errorsShown < 20) {
      errorsShown++;
      if (live) out.endStatus();
      out.info(
        `error: ${event.result.model} ${event.result.id}: ${event.result.reason}${errorsShown === 20 ? ' (further errors are in the reports)' : ''}`,
      );
    }
    if (live) {
      if (now() - lastDraw < 100 && done < total) return;
      lastDraw = now();
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : width;
      out.status(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
      return;
    }
    const decile = total ? Math.floor((done / total) * 10) : 10;
    if (decile > lastDecile || now() - lastPlain >= 15_000 || done === total) {
      lastDecile = decile;
      lastPlain = now();
      out.info(text);
    }
  };
}

function batchFailedLines(value: string | undefined): 'online' | 'error' {
  if (value === undefined || value === 'online' || value === 'error') return value ?? 'online';
  throw new PolytuneError(
    'USAGE',
    `Expected --batch-failed to be online or error, got ${JSON.stringify(value)}.`,
  );
}

/** The models to evaluate, each with the hints reports name it by (`--model name=ref`, the suite's map, its job). */
async function resolveModels(
  flags: EvalFlags,
  suiteModels: Record<string, string>,
  context: Awaited<ReturnType<typeof providerContext>>,
): Promise<{ models: Model[]; byRef: Map<string, Model>; names: ModelHints; baseline?: string }> {
  const args = flags.model?.length ? [...flags.model] : Object.keys(suiteModels);
  const wanted = args.map((arg) => parseNamedModel(arg, suiteModels));
  // --baseline may name a model given as --model <name>=<ref>.
  const baseline = flags.baseline
    ? (wanted.find((w) => w.name === flags.baseline) ?? parseNamedModel(flags.baseline, suiteModels))
    : undefined;
  if (baseline && !wanted.some((w) => w.ref === baseline.ref)) wanted.push(baseline);
  const models: Model[] = [];
  const byRef = new Map<string, Model>();
  const names: ModelHints = {};
  for (const { name, ref } of wanted) {
    const { model, job } = await resolveModelRefWithJob(ref, context);
    byRef.set(ref, model);
    if (name) byRef.set(name, model);
    models.push(model);
    names[model.id] = { ref, ...(name ? { name } : {}), ...(job ? { job: job.key } : {}) };
  }
  return { models, byRef, names, ...(baseline ? { baseline: byRef.get(baseline.ref)?.id } : {}) };
}

export async function runEvalCommand(flags: EvalFlags): Promise<number> {
  const suite = await loadSuite(flags.suite);
  const suiteModels = suite.suite.models ?? {};
  if (!flags.model?.length && !flags.baseline && Object.keys(suiteModels).length === 0) {
    throw new PolytuneError('USAGE', 'No model to evaluate.', {
      hint: `Pass --model <ref> or --model <name>=<ref>, or list models in the suite's \`models:\` map. ${MODEL_REF_FORMS.join('; ')}`,
    });
  }
  const context = await providerContext({ config: flags.config, ledgerDir: flags.ledgerDir });
  const { models, byRef, names, baseline } = await resolveModels(flags, suiteModels, context);
  const judgeRef = flags.judge;
  const judge = async (ref: string | undefined) => {
    const wanted = ref ?? judgeRef;
    if (!wanted) {
      throw new PolytuneError('USAGE', 'An llm-judge grader needs a judge model.', {
        hint: 'Pass --judge <model ref>.',
      });
    }
    return byRef.get(wanted) ?? resolveModelRef(wanted, context);
  };
  const abort = new AbortController();
  const onSignal = () => abort.abort(new PolytuneError('CANCELLED', 'Interrupted.'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const run = await runEval({
      suite,
      models,
      baseline,
      out: flags.out,
      reports: false,
      concurrency: positiveInt('--concurrency', flags.concurrency),
      requestsPerMinute: positiveInt('--rpm', flags.rpm),
      tokensPerMinute: positiveInt('--tpm', flags.tpm),
      repeats: positiveInt('--repeats', flags.repeats),
      resume: flags.resume ?? false,
      cache: flags.cache ? (flags.cacheDir ?? '.polytune/eval-cache') : false,
      timeoutMs: positiveInt('--timeout', flags.timeout),
      judge,
      ...(flags.batch
        ? {
            batch: {
              ...(flags.ledgerDir ? { ledgerDir: flags.ledgerDir } : {}),
              pollIntervalMs: positiveInt('--batch-poll', flags.batchPoll),
              failedLines: batchFailedLines(flags.batchFailed),
            },
          }
        : {}),
      onEvent: flags.json ? undefined : progressRenderer(isInteractive()),
      signal: abort.signal,
    });
    // Reports are written here rather than by the runner so they carry the names given on the command line.
    const files = [
      ...run.files,
      ...(await writeReports({
        out: flags.out,
        resultsFile: join(flags.out, 'results.jsonl'),
        suite,
        summary: run.summary,
        status: run.status,
        models: models.map((m) => m.id),
        names,
      })),
    ];
    await appendStepSummary(join(flags.out, 'summary.md'));
    const name = nameOf(
      modelInfos(
        models.map((m) => m.id),
        names,
      ),
    );
    if (flags.json) out.json({ status: run.status, counts: run.counts, summary: run.summary, files });
    else {
      for (const m of run.summary.models) {
        const vs = m.vsBaseline
          ? `; vs ${name(m.vsBaseline.baseline)} ${m.vsBaseline.delta >= 0 ? '+' : ''}${(m.vsBaseline.delta * 100).toFixed(1)} pts [${(m.vsBaseline.interval.low * 100).toFixed(1)}, ${(m.vsBaseline.interval.high * 100).toFixed(1)}], McNemar ${pValue(m.vsBaseline.pValue)}`
          : '';
        out.line(
          `${name(m.model)}: ${m.passed}/${m.n} passed (${(m.passRate * 100).toFixed(1)}% [${(m.interval.low * 100).toFixed(1)}, ${(m.interval.high * 100).toFixed(1)}]), ${m.failed} failed, ${m.errored} errors; p95 ${Math.round(m.latency.p95)} ms${m.cost.priced ? `; $${m.cost.total.toFixed(4)}` : ''}${vs}`,
        );
      }
      out.line(`reports: ${files.join(', ')}`);
    }
    if (run.status !== 'complete') {
      out.error(
        `eval ${run.status}: ${run.counts.written} of ${run.counts.planned} results written; re-run with --resume to finish.`,
      );
      return 1;
    }
    if (flags.gate) {
      if (suite.suite.thresholds.length === 0) {
        throw new PolytuneError('USAGE', '--gate was given but the suite has no thresholds.', {
          hint: 'Add `thresholds` to the suite, or run `polytune gate` with --thresholds.',
        });
      }
      return printGate(
        evaluateGate(run.summary, suite.suite.thresholds, {
          ...(suite.suite.gate ? { rule: suite.suite.gate.rule } : {}),
        }),
        flags.json ?? false,
        name,
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(models.map((m) => m.close?.().catch(() => undefined)));
  }
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'Run an evaluation suite against one or more models and write results, reports and a summary',
    )
    .requiredOption('--suite <file>', 'suite file (YAML or JSON)')
    .option(
      '--model <ref>',
      "model to evaluate (repeatable): <ref>, <name>=<ref>, or a name from the suite's models: map",
      collect,
    )
    .option('--baseline <ref>', 'model the others are compared with (paired McNemar test); evaluated too')
    .requiredOption(
      '--out <dir>',
      'folder for results.jsonl, results.json, summary.md, junit.xml, report.html',
    )
    .option('--concurrency <n>', 'requests in flight at once', '8')
    .option('--rpm <n>', 'requests per minute (all models together)')
    .option('--tpm <n>', 'tokens per minute (estimated before, corrected after each call)')
    .option('--resume', 'keep results.jsonl and run only cases without a result')
    .option('--repeats <k>', 'run each case k times per model (consistency)', '1')
    .option('--no-cache', 'do not read or write the response cache')
    .option('--cache-dir <dir>', 'response cache folder', '.polytune/eval-cache')
    .option('--timeout <ms>', 'time one case may take, retries included', '120000')
    .option('--judge <ref>', 'model ref for llm-judge graders')
    .option('--gate', "after the run, check the suite's thresholds and exit 1 if any fails")
    .option('--json', 'print the summary as JSON (no progress lines)')
    .option('--config <file>', 'polytune config file')
    .option('--ledger-dir <dir>', 'job ledger folder for job:<id> refs')
    .option(
      '--batch',
      "send cases through the providers' batch services (about half price, results within 24 h); the rest runs online",
    )
    .option(
      '--batch-failed <online|error>',
      'lines the batch service failed: run them online, or write them as errors',
      'online',
    )
    .option('--batch-poll <ms>', 'time between status checks of a running batch', '30000')
    .addHelpText('after', `\nModel refs:\n  ${MODEL_REF_FORMS.join('\n  ')}\n`)
    .action(async (flags: EvalFlags) => {
      process.exitCode = await runEvalCommand(flags);
    });
}
