import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Example, ExampleSchema } from '../../src/dataset/example.js';
import { isPolytuneError } from '../../src/errors.js';
import { loadBaseModel } from './base-model.js';
import { fineTuneCausalLm } from './causal-lm/fine-tune-causal-lm.js';
import { LoraConfigSchema } from './causal-lm/lora-config.js';
import { ClassifierConfigSchema, fineTuneClassifier, type LabelledText } from './fine-tune-classifier.js';
import { TrainingStopped } from './head-trainer.js';
import { appendEvent, jobPaths, type LocalJobFile, readJob, writeStatus } from './local-job-store.js';

/** Reads the canonical classification split of a prepared folder (`{kind, text, label}` per line). */
async function readSplit(dataDir: string, file: string): Promise<LabelledText[]> {
  const path = join(dataDir, file);
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => JSON.parse(line) as { text?: string; label?: string })
    .filter((e): e is LabelledText => typeof e.text === 'string' && typeof e.label === 'string');
}

interface JobOutcome {
  device: string;
  metrics: Record<string, number>;
  message: string;
}

interface RunContext {
  dir: string;
  job: LocalJobFile;
  cacheDir: string;
  metrics: Record<string, number>;
  setDevice(device: string): void;
  status(rawState: 'running' | 'cancelling', detail?: string): Promise<void>;
}

async function manifestSplits(dataDir: string) {
  const manifest = JSON.parse(await readFile(join(dataDir, 'manifest.json'), 'utf8')) as {
    splits: { train: { file: string }; validation: { file: string } };
  };
  return manifest.splits;
}

async function runClassifier(ctx: RunContext): Promise<JobOutcome> {
  const { dir, job } = ctx;
  const paths = jobPaths(dir);
  const config = ClassifierConfigSchema.parse(job.config);
  const base = await loadBaseModel(job.baseDir);
  const splits = await manifestSplits(job.dataDir);
  const result = await fineTuneClassifier({
    base,
    train: await readSplit(job.dataDir, splits.train.file),
    validation: await readSplit(job.dataDir, splits.validation.file),
    config,
    workDir: paths.work,
    outDir: paths.model,
    cacheDir: ctx.cacheDir,
    hooks: {
      onLog: async (message, values) => {
        const m = /^CUDA unavailable/.test(message);
        if (m) ctx.setDevice('cpu');
        await appendEvent(dir, { kind: 'log', level: m ? 'warn' : 'info', message, metrics: values });
      },
      onEpoch: async (phase, e) => {
        const values: Record<string, number> = {
          epoch: e.epoch,
          train_loss: e.trainLoss,
          train_accuracy: e.trainAccuracy,
          learning_rate: e.learningRate,
        };
        if (e.valLoss !== undefined) values.valid_loss = e.valLoss;
        if (e.valAccuracy !== undefined) values.valid_accuracy = e.valAccuracy;
        Object.assign(
          ctx.metrics,
          Object.fromEntries(Object.entries(values).map(([k, v]) => [`${phase}.${k}`, v])),
        );
        const detail = `${phase} epoch ${e.epoch}/${config.epochs}`;
        await appendEvent(dir, {
          kind: 'metric',
          level: 'info',
          message: `${detail}: train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(4)}${e.valLoss === undefined ? '' : `, val loss ${e.valLoss.toFixed(4)} acc ${(e.valAccuracy ?? 0).toFixed(4)}`}`,
          metrics: values,
        });
        await ctx.status(existsSync(paths.cancel) ? 'cancelling' : 'running', detail);
      },
      shouldStop: () => existsSync(paths.cancel),
    },
  });
  return {
    device: result.device,
    metrics: { ...result.metrics },
    message: `validation accuracy ${(result.metrics.valAccuracy ?? 0).toFixed(4)}`,
  };
}

/**
 * Runs (or resumes) the job in `dir` to a terminal state, writing status and
 * events as it goes. Used in-process and by the detached worker alike.
 */
export async function runLocalJob(dir: string, cacheDir: string): Promise<void> {
  const job = await readJob(dir);
  if (!job) throw new Error(`${dir} has no job.json`);
  let device: string | undefined;
  const metrics: Record<string, number> = {};
  const ctx: RunContext = {
    dir,
    job,
    cacheDir,
    metrics,
    setDevice: (d) => {
      device = d;
    },
    status: (rawState, detail) => writeStatus(dir, { rawState, pid: process.pid, detail, device, metrics }),
  };
  try {
    await ctx.status('running', 'starting');
    await appendEvent(dir, { kind: 'state', level: 'info', message: 'training started', state: 'running' });
    const outcome = job.config.kind === 'causal-lm' ? await runCausalLmJob(ctx) : await runClassifier(ctx);
    device = outcome.device;
    await writeStatus(dir, {
      rawState: 'succeeded',
      device,
      detail: `trained on ${device}`,
      metrics: outcome.metrics,
      finishedAt: new Date().toISOString(),
    });
    await appendEvent(dir, {
      kind: 'state',
      level: 'info',
      message: `succeeded on ${device}: ${outcome.message}`,
      state: 'succeeded',
      metrics: outcome.metrics,
    });
  } catch (error) {
    await recordFailure(dir, error, device, metrics);
  }
}

async function recordFailure(
  dir: string,
  error: unknown,
  device: string | undefined,
  metrics: Record<string, number>,
) {
  if (error instanceof TrainingStopped) {
    await writeStatus(dir, { rawState: 'cancelled', device, metrics, finishedAt: new Date().toISOString() });
    await appendEvent(dir, { kind: 'state', level: 'info', message: 'cancelled', state: 'cancelled' });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  await writeStatus(dir, {
    rawState: 'failed',
    device,
    metrics,
    error: { code: isPolytuneError(error) ? error.code : 'INTERNAL', message },
    detail: message,
    finishedAt: new Date().toISOString(),
  });
  await appendEvent(dir, { kind: 'state', level: 'error', message: `failed: ${message}`, state: 'failed' });
}

/** LoRA on a causal-LM export: chat or completion splits of the prepared folder. */
async function runCausalLmJob(ctx: RunContext): Promise<JobOutcome> {
  const { dir, job } = ctx;
  const paths = jobPaths(dir);
  const config = LoraConfigSchema.parse(job.config);
  const splits = await manifestSplits(job.dataDir);
  const result = await fineTuneCausalLm({
    baseDir: job.baseDir,
    train: await readExamples(job.dataDir, splits.train.file),
    validation: await readExamples(job.dataDir, splits.validation.file),
    config,
    workDir: paths.work,
    outDir: paths.model,
    hooks: {
      onLog: async (message) => {
        await appendEvent(dir, { kind: 'log', level: 'info', message });
      },
      onDevice: async (device, fallbackReason) => {
        ctx.setDevice(device);
        if (fallbackReason)
          await appendEvent(dir, {
            kind: 'log',
            level: 'warn',
            message: `CUDA unavailable, training on the CPU: ${fallbackReason}`,
          });
      },
      onEpoch: async (e) => {
        const values: Record<string, number> = {
          epoch: e.epoch,
          train_loss: e.trainLoss,
          train_exact_match: e.trainExact,
          learning_rate: e.learningRate,
        };
        if (e.valLoss !== undefined) values.valid_loss = e.valLoss;
        if (e.valExact !== undefined) values.valid_exact_match = e.valExact;
        Object.assign(ctx.metrics, values);
        const detail = `lora epoch ${e.epoch}/${config.epochs}`;
        await appendEvent(dir, {
          kind: 'metric',
          level: 'info',
          message: `${detail}: train loss ${e.trainLoss.toFixed(4)} exact ${e.trainExact.toFixed(3)}${e.valLoss === undefined ? '' : `, val loss ${e.valLoss.toFixed(4)}`}`,
          metrics: values,
        });
        await ctx.status(existsSync(paths.cancel) ? 'cancelling' : 'running', detail);
      },
      shouldStop: () => existsSync(paths.cancel),
    },
  });
  return {
    device: result.device,
    metrics: result.metrics,
    message: `stopped by ${result.stoppedBy}, train exact match ${(result.metrics.trainExact ?? 0).toFixed(3)}`,
  };
}

/** Canonical examples of a split (chat, completion), one JSON object a line. */
async function readExamples(dataDir: string, file: string): Promise<Example[]> {
  const path = join(dataDir, file);
  if (!existsSync(path)) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => ExampleSchema.parse(JSON.parse(line)));
}
