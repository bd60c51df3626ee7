import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { DatasetStats } from '../../dataset/dataset-stats.js';
import type { PreparedData } from '../../dataset/prepared-manifest.js';
import { PolytuneError } from '../../errors.js';
import { datasetHashesFor, jobKey } from '../../jobs/job-key.js';
import type { JobSpec } from '../../jobs/job-spec.js';
import { isTerminal } from '../../jobs/job-state.js';
import { loadPreparedData } from '../../jobs/load-prepared.js';
import { parseJobSpec, submitJob } from '../../jobs/submit-job.js';
import { waitForJob } from '../../jobs/wait-for-job.js';
import type { Issue, JobEvent, Provider } from '../../provider.js';
import { collect } from '../flag-values.js';
import { eventMetricsText } from '../job-event-text.js';
import { out } from '../output.js';
import { providerContext } from '../provider-settings.js';

/**
 * `polytune tune`: submit (idempotently) a fine-tuning job for a prepared
 * dataset, optionally wait for it; `--dry-run` shows the plan and sends nothing.
 */
interface TuneFlags {
  provider: string;
  baseModel?: string;
  data: string;
  method?: string;
  epochs?: number;
  lrMultiplier?: number;
  learningRate?: number;
  batchSize?: number;
  loraRank?: number;
  loraAlpha?: number;
  beta?: number;
  seed?: number;
  hyperparameter?: string[];
  /** OpenAI reinforcement: a JSON file holding the grader object. */
  grader?: string;
  suffix?: string;
  wait?: boolean;
  timeout?: number;
  pollInterval?: number;
  dryRun?: boolean;
  json?: boolean;
  ledgerDir?: string;
  config?: string;
}

export function parseNumberFlag(name: string, kind: 'int' | 'positive'): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok = kind === 'int' ? Number.isInteger(n) && n >= 0 : Number.isFinite(n) && n > 0;
    if (!ok) {
      throw new PolytuneError(
        'USAGE',
        `--${name} expects ${kind === 'int' ? 'a whole number' : 'a positive number'}, got ${JSON.stringify(value)}.`,
      );
    }
    return n;
  };
}

/**
 * Defaults that follow from the data and the provider: preference data trains
 * with DPO; classification data trains a classifier where the provider has that
 * method (local-onnx), else SFT on the compiled chat form. The local backend has
 * a built-in base, so `--base-model` is optional there.
 */
function specFromFlags(flags: TuneFlags, data: PreparedData, provider: Provider): JobSpec {
  const kind = data.manifest.kind;
  const method =
    flags.method ??
    (kind === 'preference'
      ? 'dpo'
      : kind === 'classification' && provider.capabilities.methods.includes('classification')
        ? 'classification'
        : 'sft');
  const baseModel = flags.baseModel ?? (provider.id === 'local-onnx' ? 'default' : undefined);
  if (!baseModel) {
    throw new PolytuneError('USAGE', `--base-model is required for ${provider.id}.`, {
      hint: 'e.g. --base-model gpt-4.1-mini-2025-04-14 (openai), gemini-2.5-flash (vertex), meta-textgeneration-llama-3-1-8b-instruct (sagemaker).',
    });
  }
  const hp: Record<string, number | undefined> = {
    epochs: flags.epochs,
    learningRateMultiplier: flags.lrMultiplier,
    learningRate: flags.learningRate,
    batchSize: flags.batchSize,
    loraRank: flags.loraRank,
    loraAlpha: flags.loraAlpha,
    beta: flags.beta,
    seed: flags.seed,
  };
  return parseJobSpec({
    provider: flags.provider,
    baseModel,
    method,
    hyperparameters: Object.fromEntries(Object.entries(hp).filter(([, v]) => v !== undefined)),
    ...(flags.hyperparameter?.length
      ? { providerHyperparameters: parseProviderHyperparameters(flags.hyperparameter) }
      : {}),
    ...(flags.suffix ? { suffix: flags.suffix } : {}),
    ...(flags.grader ? { extra: { grader: readGrader(flags.grader) } } : {}),
  });
}

/** `--grader <file.json>`: the grader object of an OpenAI reinforcement job. */
function readGrader(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolytuneError('USAGE', `Cannot read --grader ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `--grader ${file} is not JSON: ${(error as Error).message}`, {
      file,
      hint: 'Write the grader as OpenAI describes it, e.g. {"type":"string_check","name":"label","input":"{{sample.output_text}}","reference":"{{item.label}}","operation":"eq"}.',
    });
  }
}

/**
 * `--hyperparameter name=value` (repeatable) in the provider's own vocabulary. Numbers and
 * booleans are typed; the provider validates names, types and ranges before any request.
 */
export function parseProviderHyperparameters(pairs: string[]): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new PolytuneError('USAGE', `--hyperparameter expects name=value, got ${JSON.stringify(pair)}.`, {
        hint: 'e.g. --hyperparameter max_input_length=2048 --hyperparameter instruction_tuned=True',
      });
    }
    const name = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    const asNumber = Number(raw);
    result[name] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(asNumber)
            ? asNumber
            : raw;
  }
  return result;
}

export interface TunePlan {
  provider: string;
  key: string;
  spec: JobSpec;
  data: { dir: string; kind: string; train: number; validation: number; compiled: string[] };
  tokens: { tokenizer: string; approximate: boolean; trainTotal: number; maxPerExample: number };
  issues: Issue[];
  cost:
    | { amount: number; basis: string; source: string; date: string; note?: string }
    | { unavailable: string };
  /** A job with this key is already in the ledger: running tune again re-attaches to it. */
  existing?: { remoteId?: string; state?: string };
}

function buildPlan(provider: Provider, spec: JobSpec, data: PreparedData): Omit<TunePlan, 'existing'> {
  const stats = data.manifest.stats as unknown as DatasetStats;
  const compiled = data.manifest.compiled[provider.id];
  const issues = [...provider.validate(stats, spec)];
  if (!compiled) {
    issues.push({
      severity: 'error',
      code: 'NOT_COMPILED',
      message: `The prepared folder has no ${provider.id} files; run \`polytune data prepare … --provider ${provider.id}\`.`,
    });
  }
  let cost: TunePlan['cost'];
  try {
    const estimate = provider.price(spec, stats);
    cost = {
      amount: estimate.amount,
      basis: estimate.basis,
      source: estimate.source,
      date: estimate.date,
      ...(estimate.note ? { note: estimate.note } : {}),
    };
  } catch (error) {
    cost = { unavailable: (error as Error).message };
  }
  return {
    provider: provider.id,
    key: jobKey(spec, datasetHashesFor(data, provider.id)),
    spec,
    data: {
      dir: data.dir,
      kind: data.manifest.kind,
      train: data.manifest.splits.train.count,
      validation: data.manifest.splits.validation.count,
      compiled: compiled
        ? [compiled.train.file, ...(compiled.validation ? [compiled.validation.file] : [])]
        : [],
    },
    tokens: {
      tokenizer: stats.tokens?.tokenizer ?? 'unknown',
      approximate: stats.tokens?.approximate ?? true,
      trainTotal: stats.tokens?.train?.total ?? 0,
      maxPerExample: stats.tokens?.train?.max ?? 0,
    },
    issues,
    cost,
  };
}

function printPlan(plan: TunePlan): void {
  const hp = Object.entries(plan.spec.hyperparameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  out.line(`Plan (dry run — nothing is sent)`);
  out.line(`  provider     ${plan.provider}`);
  out.line(`  base model   ${plan.spec.baseModel}`);
  out.line(
    `  method       ${plan.spec.method}${hp ? `  ${hp}` : ''}${plan.spec.suffix ? `  suffix=${plan.spec.suffix}` : ''}`,
  );
  out.line(
    `  data         ${plan.data.dir} (${plan.data.kind}; ${plan.data.train} train, ${plan.data.validation} validation)`,
  );
  out.line(`  uploads      ${plan.data.compiled.join(', ') || '(none compiled)'}`);
  out.line(
    `  tokens       ${plan.tokens.trainTotal.toLocaleString('en-US')} training tokens per epoch, longest example ${plan.tokens.maxPerExample} (${plan.tokens.tokenizer}${plan.tokens.approximate ? ', approximate' : ''})`,
  );
  if ('amount' in plan.cost) {
    out.line(`  cost         ~$${plan.cost.amount.toFixed(2)} estimated: ${plan.cost.basis}`);
    out.line(`               prices from ${plan.cost.source}, ${plan.cost.date}`);
    if (plan.cost.note) out.line(`               note: ${plan.cost.note}`);
  } else {
    out.line(`  cost         unknown: ${plan.cost.unavailable}`);
  }
  out.line(`  job key      ${plan.key}`);
  if (plan.existing) {
    out.line(
      `  ledger       already submitted (${plan.existing.remoteId ?? 'create not confirmed'}, ${plan.existing.state}); tune re-attaches`,
    );
  }
  if (plan.issues.length === 0) out.line('  issues       none');
  for (const issue of plan.issues)
    out.line(`  ${issue.severity === 'error' ? 'ERROR  ' : 'warning'}      ${issue.code}: ${issue.message}`);
}

function printEvent(event: JobEvent): void {
  out.info(
    `[${event.at.slice(11, 19)}] ${event.kind === 'state' ? 'state ' : ''}${event.message}${eventMetricsText(event)}`,
  );
}

async function tune(flags: TuneFlags): Promise<void> {
  const context = await providerContext(flags);
  const data = await loadPreparedData(flags.data);
  const provider = await context.provider(flags.provider);
  const spec = specFromFlags(flags, data, provider);

  if (flags.dryRun) {
    await provider.prepare?.(spec, data);
    const base = buildPlan(provider, spec, data);
    const record = await context.ledger.read(base.key);
    const last = record?.history[record.history.length - 1];
    const plan: TunePlan = {
      ...base,
      ...(record ? { existing: { remoteId: record.remoteId, state: last?.state } } : {}),
    };
    if (flags.json) out.json(plan);
    else printPlan(plan);
    if (plan.issues.some((i) => i.severity === 'error')) process.exitCode = 2;
    return;
  }

  const controller = new AbortController();
  const onSigint = () => controller.abort(new PolytuneError('CANCELLED', 'Interrupted.'));
  process.once('SIGINT', onSigint);
  try {
    const submitted = await submitJob(provider, spec, data, {
      ledger: context.ledger,
      signal: controller.signal,
      onEvent: flags.json ? undefined : printEvent,
    });
    const { ref } = submitted;
    if (!flags.json) {
      out.line(
        `${submitted.reattached ? 'Re-attached to' : 'Submitted'} ${ref.provider} job ${ref.remoteId} (key ${ref.key.slice(0, 12)})`,
      );
      const estimate = submitted.record.costEstimate;
      if (estimate)
        out.line(
          `Estimated cost ~$${estimate.amount.toFixed(2)} (${estimate.basis})${estimate.note ? ` — ${estimate.note}` : ''}`,
        );
    }
    if (!flags.wait) {
      if (flags.json)
        out.json({
          key: ref.key,
          provider: ref.provider,
          remoteId: ref.remoteId,
          reattached: submitted.reattached,
          costEstimate: submitted.record.costEstimate,
        });
      else out.line(`Follow it with: polytune jobs wait ${ref.key.slice(0, 12)}`);
      return;
    }
    const final = await waitForJob(provider, ref, {
      ledger: context.ledger,
      signal: controller.signal,
      ...(flags.timeout ? { timeoutMs: flags.timeout * 60_000 } : {}),
      ...(flags.pollInterval ? { intervalMs: flags.pollInterval * 1000 } : {}),
      onEvent: flags.json ? undefined : printEvent,
    });
    if (flags.json) {
      out.json({
        key: ref.key,
        provider: ref.provider,
        remoteId: ref.remoteId,
        reattached: submitted.reattached,
        state: final.state,
        rawState: final.rawState,
        modelId: final.modelId,
        trainedTokens: final.trainedTokens,
        cost: final.cost,
        costEstimate: submitted.record.costEstimate,
        error: final.error,
      });
    } else if (final.state === 'succeeded') {
      out.line(`Succeeded: model ${final.modelId ?? '(none reported)'}`);
      out.line(`Evaluate it with --model job:${ref.key.slice(0, 12)}`);
      if (final.cost) out.line(`Cost $${final.cost.amount.toFixed(2)} (${final.cost.basis})`);
    } else {
      out.line(
        `Job ended ${final.state} (${final.rawState})${final.error ? `: ${final.error.message}` : ''}`,
      );
    }
    if (isTerminal(final.state) && final.state !== 'succeeded') process.exitCode = 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function register(program: Command): void {
  program
    .command('tune')
    .description('Submit a fine-tuning job for a prepared dataset (idempotent: re-running re-attaches)')
    .requiredOption('--provider <id>', 'provider id (see `polytune doctor`)')
    .option(
      '--base-model <model>',
      'base model to fine-tune, e.g. gpt-4.1-mini-2025-04-14 (default for local-onnx: the embedded base)',
    )
    .requiredOption('--data <dir>', 'prepared dataset folder (from `polytune data prepare`)')
    .addOption(
      new Option('--method <method>', 'training method (default: dpo for preference data, else sft)').choices(
        ['sft', 'dpo', 'reinforcement', 'classification'],
      ),
    )
    .option('--epochs <n>', 'training epochs', parseNumberFlag('epochs', 'positive'))
    .option(
      '--lr-multiplier <x>',
      'learning-rate multiplier (OpenAI, Vertex)',
      parseNumberFlag('lr-multiplier', 'positive'),
    )
    .option(
      '--learning-rate <x>',
      'absolute learning rate (SageMaker, local)',
      parseNumberFlag('learning-rate', 'positive'),
    )
    .option('--batch-size <n>', 'batch size', parseNumberFlag('batch-size', 'positive'))
    .option(
      '--lora-rank <n>',
      'LoRA rank, where the provider has it',
      parseNumberFlag('lora-rank', 'positive'),
    )
    .option(
      '--lora-alpha <x>',
      'LoRA alpha, where the provider has it',
      parseNumberFlag('lora-alpha', 'positive'),
    )
    .option('--beta <x>', 'DPO beta', parseNumberFlag('beta', 'positive'))
    .option('--seed <n>', 'training seed', parseNumberFlag('seed', 'int'))
    .option(
      '--hyperparameter <name=value>',
      "a provider's own hyperparameter, by its name there (repeatable), validated against the provider's list",
      collect,
    )
    .option('--suffix <name>', 'suffix or display name of the tuned model')
    .option(
      '--grader <file>',
      'OpenAI reinforcement: a JSON file with the grader object (required for that method)',
    )
    .option('--wait', 'wait for the job to finish, printing its events')
    .option(
      '--timeout <minutes>',
      'with --wait: stop waiting after this many minutes (the job keeps running)',
      parseNumberFlag('timeout', 'positive'),
    )
    .option(
      '--poll-interval <seconds>',
      'first poll interval; it backs off to 60 s while nothing changes (default 5)',
      parseNumberFlag('poll-interval', 'positive'),
    )
    .option('--dry-run', 'print the plan, token counts, issues and cost estimate; send nothing')
    .option('--json', 'machine-readable output on stdout')
    .option('--ledger-dir <dir>', 'job ledger folder (default .polytune)')
    .option('--config <file>', 'config file (default: polytune.config.* found upwards)')
    .action((flags: TuneFlags) => tune(flags));
}
