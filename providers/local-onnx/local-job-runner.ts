import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPolytuneError } from '../../src/errors.js';
import { loadBaseModel } from './base-model.js';
import { ClassifierConfigSchema, fineTuneClassifier, type LabelledText } from './fine-tune-classifier.js';
import { TrainingStopped } from './head-trainer.js';
import { appendEvent, jobPaths, readJob, writeStatus } from './local-job-store.js';

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

/**
 * Runs (or resumes) the job in `dir` to a terminal state, writing status and
 * events as it goes. Used in-process and by the detached worker alike.
 */
export async function runLocalJob(dir: string, cacheDir: string): Promise<void> {
  const paths = jobPaths(dir);
  const job = await readJob(dir);
  if (!job) throw new Error(`${dir} has no job.json`);
  const config = ClassifierConfigSchema.parse(job.config);
  let device: string | undefined;
  const metrics: Record<string, number> = {};
  const status = (rawState: 'running' | 'cancelling', detail?: string) =>
    writeStatus(dir, { rawState, pid: process.pid, detail, device, metrics });
  try {
    await status('running', 'starting');
    await appendEvent(dir, { kind: 'state', level: 'info', message: 'training started', state: 'running' });
    const base = await loadBaseModel(job.baseDir);
    const manifestFile = join(job.dataDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      splits: { train: { file: string }; validation: { file: string } };
    };
    const train = await readSplit(job.dataDir, manifest.splits.train.file);
    const validation = await readSplit(job.dataDir, manifest.splits.validation.file);
    const result = await fineTuneClassifier({
      base,
      train,
      validation,
      config,
      workDir: paths.work,
      outDir: paths.model,
      cacheDir,
      hooks: {
        onLog: async (message, values) => {
          const m = /^CUDA unavailable/.test(message);
          if (m) device = 'cpu';
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
            metrics,
            Object.fromEntries(Object.entries(values).map(([k, v]) => [`${phase}.${k}`, v])),
          );
          const detail = `${phase} epoch ${e.epoch}/${config.epochs}`;
          await appendEvent(dir, {
            kind: 'metric',
            level: 'info',
            message: `${detail}: train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(4)}${e.valLoss === undefined ? '' : `, val loss ${e.valLoss.toFixed(4)} acc ${(e.valAccuracy ?? 0).toFixed(4)}`}`,
            metrics: values,
          });
          await status(existsSync(paths.cancel) ? 'cancelling' : 'running', detail);
        },
        shouldStop: () => existsSync(paths.cancel),
      },
    });
    device = result.device;
    await writeStatus(dir, {
      rawState: 'succeeded',
      device,
      detail: `trained on ${device}`,
      metrics: { ...result.metrics },
      finishedAt: new Date().toISOString(),
    });
    await appendEvent(dir, {
      kind: 'state',
      level: 'info',
      message: `succeeded on ${device}: validation accuracy ${(result.metrics.valAccuracy ?? 0).toFixed(4)}`,
      state: 'succeeded',
      metrics: result.metrics,
    });
  } catch (error) {
    if (error instanceof TrainingStopped) {
      await writeStatus(dir, {
        rawState: 'cancelled',
        device,
        metrics,
        finishedAt: new Date().toISOString(),
      });
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
}
