import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { evaluateGate } from '../../../evals/gate.js';
import type { EvalRunResult } from '../../../evals/runner.js';
import { runEval } from '../../../evals/runner.js';
import { type LoadedSuite, type SuiteInput, SuiteSchema } from '../../../evals/suite.js';
import { compilers } from '../../../providers/compilers.js';
import { createLocalOnnxProvider } from '../../../providers/local-onnx/local-onnx-provider.js';
import type { DatasetStats } from '../../dataset/dataset-stats.js';
import { type PrepareResult, prepareDataset } from '../../dataset/prepare.js';
import type { PreparedData } from '../../dataset/prepared-manifest.js';
import { PolytuneError } from '../../errors.js';
import { JobLedger } from '../../jobs/job-ledger.js';
import type { JobSpec } from '../../jobs/job-spec.js';
import { submitJob } from '../../jobs/submit-job.js';
import { waitForJob } from '../../jobs/wait-for-job.js';
import { packagePath } from '../../package-root.js';
import { printComparison } from '../comparison-table.js';
import { positiveInt } from '../flag-values.js';
import { isInteractive, out } from '../output.js';
import { createProgress } from '../progress.js';
import { providerContext } from '../provider-settings.js';
import { progressRenderer } from './eval.js';
import { printGate } from './gate.js';

/**
 * `polytune demo`: the whole flow on a bundled real dataset (BANKING77), with
 * no cloud account and no network: prepare → what the clouds would charge →
 * fine-tune locally → one suite against the zero-shot base and the tuned model
 * → comparison, reports and the gate's verdict.
 */
export interface DemoOptions {
  out: string;
  seed: number;
  device: 'auto' | 'cpu' | 'cuda';
  /** Held-out cases to evaluate (the test split has ~1,000). @default all */
  limit?: number;
}

/** What the demo would submit to each cloud: a current, cheap base model of each. */
const CLOUD_ESTIMATES: {
  provider: string;
  baseModel: string;
  note: string;
  extra?: Record<string, unknown>;
}[] = [
  { provider: 'openai', baseModel: 'gpt-4.1-mini-2025-04-14', note: 'tokens × epochs × price per 1M' },
  { provider: 'vertex', baseModel: 'gemini-2.5-flash', note: 'tokens × epochs × price per 1M' },
  {
    provider: 'sagemaker',
    baseModel: 'meta-textgeneration-llama-3-1-8b-instruct',
    note: 'instance-hours × hourly price',
    // Offline, the JumpStart hub document (and its default instance type) is not read: name one.
    extra: { instanceType: 'ml.g5.12xlarge' },
  },
];

/** Gate for the fine-tuned model; the zero-shot base is only the comparison point. */
// Per category rather than overall: the generated categories outnumber the held-out one, so an
// overall rate would mostly measure the generators' mix.
const DEMO_THRESHOLDS = [
  'categories.held-out.passRate >= 0.85',
  'categories.edge.passRate >= 0.75',
  'categories.adversarial.passRate >= 0.45',
  'vsBaseline.delta >= 0.3',
  'latency.p95 <= 50',
];

const count = (n: number) => n.toLocaleString('en-US');

function step(n: number, title: string): void {
  out.line();
  out.line(`── ${n}/5  ${title}`);
}

function printDataReport(result: PrepareResult): void {
  const m = result.manifest;
  const s = result.stats;
  out.line(`dataset   BANKING77 (CC BY 4.0, Casanueva et al. 2020), ${m.labels?.length ?? '?'} intents`);
  out.line(
    `records   read ${count(m.counts.read)} · kept ${count(m.counts.kept)} · dropped ${count(m.counts.dropped)}`,
  );
  const reasons = new Map<string, number>();
  for (const d of m.dropped) {
    const reason = d.reason.replace(/\s*\(similarity [\d.]+\)/, '').replace(/ of line \d+$/, '');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) out.line(`          dropped ${count(n)}: ${reason}`);
  out.line(
    `splits    train ${count(m.splits.train.count)} · validation ${count(m.splits.validation.count)} · test ${count(m.splits.test.count)} (seed ${m.seed}, stratified by label)`,
  );
  const t = s.tokens.train;
  out.line(
    `tokens    ${count(t.total)} in train (${s.tokens.tokenizer}); per example min ${t.min} · p50 ${t.p50} · p90 ${t.p90} · max ${t.max}`,
  );
  if (result.leakage.length) {
    out.line(
      `leakage   ${count(result.leakage.length)} validation/test examples near-duplicate a training example`,
    );
  }
  out.line(`compiled  ${Object.keys(m.compiled).join(', ')} → ${relative(process.cwd(), result.dir) || '.'}`);
}

async function printCloudEstimates(stats: DatasetStats): Promise<void> {
  out.line('Estimates only: token counts × dated price tables; nothing is sent.');
  // Built as `tune --dry-run` builds them, so price overrides in polytune.config apply here too.
  const context = await providerContext({});
  for (const target of CLOUD_ESTIMATES) {
    const spec: JobSpec = {
      provider: target.provider,
      baseModel: target.baseModel,
      method: 'sft',
      hyperparameters: { epochs: 3 },
      ...(target.extra ? { extra: target.extra } : {}),
    };
    try {
      const estimate = (await context.provider(target.provider)).price(spec, stats);
      out.line(
        `  ${target.provider.padEnd(10)} ${target.baseModel.padEnd(42)} ~$${estimate.amount.toFixed(2)}  (${target.note}; prices ${estimate.date})`,
      );
      out.line(`  ${''.padEnd(10)} ${estimate.basis}`);
    } catch (error) {
      out.line(
        `  ${target.provider.padEnd(10)} ${target.baseModel.padEnd(42)} n/a: ${(error as Error).message}`,
      );
    }
  }
}

function demoSuite(dataDir: string, labels: string[], limit: number | undefined, seed: number): SuiteInput {
  return {
    name: 'banking77-demo',
    description:
      'Held-out intents, generated edge cases and adversarial cases; answers are graded as labels.',
    labels,
    sources: [
      { heldout: dataDir, ...(limit ? { limit } : {}) },
      { generate: ['edge'], from: ['held-out'], rate: 0.2, seed },
      { generate: ['adversarial'], from: ['held-out'], rate: 0.2, seed },
    ],
    graders: [{ type: 'label' }],
    thresholds: DEMO_THRESHOLDS,
  };
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const outDir = resolve(options.out);
  const started = Date.now();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const ledger = new JobLedger({ dir: join(outDir, '.polytune') });

  step(1, 'Prepare the data');
  const dataDir = join(outDir, 'data');
  const prepared = await prepareDataset({
    file: packagePath('fixtures', 'banking77', 'train.csv'),
    out: dataDir,
    seed: options.seed,
    split: [0.8, 0.1, 0.1],
    onInvalid: 'drop',
    compilers,
  });
  printDataReport(prepared);

  step(2, 'What fine-tuning this data would cost in the cloud');
  await printCloudEstimates(prepared.stats);

  step(3, 'Fine-tune on the local ONNX backend');
  const local = createLocalOnnxProvider({
    workDir: join(outDir, '.polytune', 'local-onnx'),
    device: options.device,
    execution: 'in-process',
  });
  const data: PreparedData = { dir: prepared.dir, manifest: prepared.manifest };
  const spec: JobSpec = {
    provider: 'local-onnx',
    baseModel: 'default',
    method: 'classification',
    hyperparameters: { seed: options.seed },
  };
  const progress = createProgress({ label: 'training' });
  const submitted = await submitJob(local, spec, data, { ledger });
  out.line(`job ${submitted.ref.key.slice(0, 12)} (ledger ${relative(process.cwd(), ledger.dir) || '.'})`);
  const final = await waitForJob(local, submitted.ref, {
    ledger,
    intervalMs: 200,
    maxIntervalMs: 1_000,
    onEvent(event) {
      if (event.kind === 'metric' || event.kind === 'state') progress.log(`  ${event.message}`);
      else progress.update({ done: 0, detail: event.message });
    },
  });
  progress.finish();
  if (final.state !== 'succeeded') {
    throw new PolytuneError(
      'INTERNAL',
      `The local fine-tune ended ${final.state}: ${final.error?.message ?? final.rawState}`,
    );
  }
  out.line(`model ${final.modelId ?? submitted.ref.remoteId}`);

  step(4, 'Evaluate: held-out + edge + adversarial, zero-shot base vs fine-tuned');
  const suiteInput = demoSuite(dataDir, prepared.manifest.labels ?? [], options.limit, options.seed);
  await writeFile(join(outDir, 'suite.yaml'), toYaml(suiteInput));
  const suite: LoadedSuite = {
    suite: SuiteSchema.parse(suiteInput),
    baseDir: outDir,
    file: join(outDir, 'suite.yaml'),
  };
  const baseline = await local.model(`zero-shot:${dataDir}`);
  const tuned = await local.model(submitted.ref);
  let run: EvalRunResult;
  try {
    run = await runEval({
      suite,
      models: [tuned, baseline],
      baseline: baseline.id,
      out: join(outDir, 'eval'),
      concurrency: 4,
      cache: false,
      onEvent: progressRenderer(isInteractive()),
    });
  } finally {
    await Promise.all([tuned.close?.(), baseline.close?.()]);
  }

  step(5, 'Compare, report and gate');
  printComparison(run.summary);
  out.line();
  // One folder, then the file names: the line stays within 100 columns.
  const folders = [...new Set(run.files.map((f) => relative(process.cwd(), dirname(f))))];
  out.line(`reports   ${folders.join(', ')}/ (${run.files.map((f) => basename(f)).join(', ')})`);
  out.line();
  const gate = evaluateGate(run.summary, DEMO_THRESHOLDS, { models: [tuned.id] });
  const code = printGate(gate, false);
  out.line();
  out.line(
    `Done in ${((Date.now() - started) / 1000).toFixed(0)} s. Everything is in ${relative(process.cwd(), outDir) || outDir}/ — open eval/report.html. Exit code ${code}.`,
  );
  return run.status === 'complete' ? code : 1;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole flow offline on BANKING77: prepare, estimate cloud cost, fine-tune locally, evaluate, gate',
    )
    .option('--out <dir>', 'folder for everything the demo writes (emptied first)', 'polytune-demo')
    .option('--seed <n>', 'seed for the split, training and generated cases', '7')
    .option('--device <device>', 'auto | cpu | cuda (auto falls back to the CPU)', 'auto')
    .option('--limit <n>', 'evaluate at most this many held-out cases')
    .addHelpText('after', '\nExample:\n  npx polytune demo --out polytune-demo\n')
    .action(async (flags: { out: string; seed: string; device: string; limit?: string }) => {
      if (!['auto', 'cpu', 'cuda'].includes(flags.device)) {
        throw new PolytuneError(
          'USAGE',
          `--device must be auto, cpu or cuda, got ${JSON.stringify(flags.device)}.`,
        );
      }
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw new PolytuneError('USAGE', `--seed must be an integer ≥ 0.`);
      const limit = positiveInt('--limit', flags.limit);
      process.exitCode = await runDemo({
        out: flags.out,
        seed,
        device: flags.device as DemoOptions['device'],
        limit,
      });
    });
}
