import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CostEstimate } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal, mapRawState } from '../../src/jobs/job-state.js';
import type {
  Issue,
  JobEvent,
  JobRef,
  JobSnapshot,
  Model,
  Provider,
  SubmitContext,
} from '../../src/provider.js';
import { DEFAULT_BASE_DIR, loadBaseModel } from './base-model.js';
import { ClassifierConfigSchema } from './fine-tune-classifier.js';
import { runLocalJob } from './local-job-runner.js';
import {
  appendEvent,
  isAlive,
  jobPaths,
  LOCAL_STATE_TABLE,
  type LocalJobFile,
  readEvents,
  readJob,
  readStatus,
  writeStatus,
} from './local-job-store.js';
import { loadClassifierModel, zeroShotModel } from './local-model.js';

export const LOCAL_ONNX_ID = 'local-onnx';

/** Settings of the local backend (config file section merged with flags). */
export const LocalOnnxSettingsSchema = z.object({
  /** Where job folders and the feature cache live. @default ".polytune/local-onnx" */
  workDir: z.string().default('.polytune/local-onnx'),
  /** `auto` tries CUDA and falls back to the CPU. @default "auto" */
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /**
   * `detached`: training runs in its own process that outlives the CLI call
   * (status, events and cancel go through the job folder). `in-process`: a
   * background task of this process (SDK use, tests). @default "detached"
   */
  execution: z.enum(['detached', 'in-process']).default('detached'),
  /** Training defaults, overridden per job by hyperparameters and `extra`. */
  training: ClassifierConfigSchema.partial().default({}),
});
export type LocalOnnxSettings = z.input<typeof LocalOnnxSettingsSchema>;

const DEFAULT_BASE_NAMES = new Set(['default', 'default-base', 'wink-glove-100d']);

function resolveBaseDir(baseModel: string): string {
  return DEFAULT_BASE_NAMES.has(baseModel)
    ? DEFAULT_BASE_DIR
    : resolve(baseModel.replace(/^local-onnx:/, ''));
}

function keyDirName(key: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(key)) {
    throw new PolytuneError('USAGE', `Job key ${JSON.stringify(key)} cannot name a folder.`, {
      hint: 'Job keys are hex hashes made by polytune; pass one of those.',
    });
  }
  return key;
}

export interface LocalOnnxProvider extends Provider {
  /** Resolves when an in-process job of this provider ends (tests, SDK callers). */
  settled(ref: JobRef): Promise<void>;
  readonly workDir: string;
}

export function createLocalOnnxProvider(
  settings: LocalOnnxSettings | Record<string, unknown> = {},
): LocalOnnxProvider {
  const parsed = LocalOnnxSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new PolytuneError(
      'USAGE',
      `Invalid local-onnx settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        hint: 'See README "Local backend" for workDir, device, execution and training.',
      },
    );
  }
  const options = parsed.data;
  const settingsTraining = (settings as { training?: unknown }).training;
  const workDir = resolve(options.workDir);
  const jobsDir = join(workDir, 'jobs');
  const cacheDir = join(workDir, 'features');
  const running = new Map<string, Promise<void>>();

  const jobDir = (key: string) => join(jobsDir, keyDirName(key));
  const refFor = (key: string, dir: string): JobRef => ({ provider: LOCAL_ONNX_ID, key, remoteId: dir });

  function configFor(spec: JobSpec): Record<string, unknown> {
    const h = spec.hyperparameters ?? {};
    const fromSpec: Record<string, unknown> = {};
    if (h.epochs !== undefined) fromSpec.epochs = h.epochs;
    if (h.learningRate !== undefined) fromSpec.learningRate = h.learningRate;
    if (h.batchSize !== undefined) fromSpec.batchSize = h.batchSize;
    if (h.seed !== undefined) fromSpec.seed = h.seed;
    const extra = ClassifierConfigSchema.partial().safeParse(spec.extra ?? {});
    if (!extra.success) {
      throw new PolytuneError(
        'USAGE',
        `Invalid local-onnx options: ${extra.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        {
          hint: 'Options: hidden, epochs, batchSize, learningRate, weightDecay, patience, seed, addWords, wordCounts, device.',
        },
      );
    }
    // zod fills defaults even in a partial schema: keep only the keys the user set.
    const given = (raw: unknown, value: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(value).filter(([k]) => typeof raw === 'object' && raw !== null && k in raw),
      );
    return ClassifierConfigSchema.parse({
      device: options.device,
      ...given(settingsTraining, options.training),
      ...fromSpec,
      ...given(spec.extra, extra.data),
    });
  }

  function start(dir: string): void {
    if (options.execution === 'in-process') {
      if (running.has(dir)) return;
      const task = runLocalJob(dir, cacheDir).finally(() => running.delete(dir));
      running.set(dir, task);
      return;
    }
    const here = fileURLToPath(import.meta.url);
    const worker = here.replace(/local-onnx-provider\.(ts|js)$/, 'local-job-worker.$1');
    // Running from source: the worker is TypeScript and needs the tsx loader.
    const loader = worker.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    const child = spawn(process.execPath, [...loader, worker, dir, cacheDir], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  }

  /** True while something is (or may be) working on the job. */
  function workerAlive(dir: string, pid: number | undefined): boolean {
    if (running.has(dir)) return true;
    if (pid === process.pid) return false;
    return isAlive(pid);
  }

  async function snapshot(ref: JobRef): Promise<JobSnapshot> {
    const dir = ref.remoteId;
    // Looked up before the status is read: an in-process job can finish (write its final
    // status, then leave `running`) while the reads below are awaited.
    const wasRunningHere = running.has(dir);
    const job = await readJob(dir);
    const status = await readStatus(dir);
    if (!job || !status) {
      throw new PolytuneError('NOT_FOUND', `No local job at ${dir}.`, {
        hint: 'Check the job key, or the workDir setting it was submitted with.',
      });
    }
    let raw = status.rawState;
    let detail = status.detail;
    if ((raw === 'running' || raw === 'cancelling') && !wasRunningHere && !workerAlive(dir, status.pid)) {
      raw = 'interrupted';
      detail =
        'the training process ended without finishing; submit the same job again to resume from its last checkpoint';
    }
    const state = mapRawState(LOCAL_STATE_TABLE, raw);
    const modelDir = jobPaths(dir).model;
    return {
      ref,
      state,
      rawState: raw,
      detail: status.device ? `${detail ?? ''}${detail ? '; ' : ''}device ${status.device}` : detail,
      createdAt: job.createdAt,
      finishedAt: status.finishedAt,
      modelId: state === 'succeeded' ? `${LOCAL_ONNX_ID}:${modelDir}` : undefined,
      metrics: status.metrics,
      error:
        status.error ??
        (raw === 'interrupted' ? { code: 'INTERRUPTED', message: detail as string } : undefined),
      cost: state === 'succeeded' ? zeroCost('actual') : undefined,
    };
  }

  function zeroCost(kind: 'estimate' | 'actual'): CostEstimate {
    return {
      currency: 'USD',
      amount: 0,
      estimate: kind === 'estimate',
      basis: 'local training on this machine: no provider charge (hardware and electricity not counted)',
      source: 'local-onnx',
      date: new Date().toISOString().slice(0, 10),
    };
  }

  const provider: LocalOnnxProvider = {
    id: LOCAL_ONNX_ID,
    workDir,
    capabilities: { methods: ['classification'], minExamples: 2 },

    validate(stats: DatasetStats, spec: JobSpec): Issue[] {
      const issues: Issue[] = [];
      if (spec.method !== 'classification' || stats.kind !== 'classification') {
        issues.push({
          severity: 'error',
          code: 'LOCAL_CLASSIFICATION_ONLY',
          message: `The local backend trains classifiers; this job is ${spec.method} on ${stats.kind} data. Use --method classification with {text, label} examples, or a cloud provider.`,
        });
      }
      if (stats.labels && Object.keys(stats.labels).length < 2) {
        issues.push({
          severity: 'error',
          code: 'TOO_FEW_LABELS',
          message: 'A classifier needs at least 2 labels.',
        });
      }
      for (const name of ['loraRank', 'loraAlpha', 'beta', 'learningRateMultiplier'] as const) {
        if (spec.hyperparameters?.[name] !== undefined) {
          issues.push({
            severity: 'warning',
            code: 'IGNORED_HYPERPARAMETER',
            message: `local-onnx ignores ${name} (it trains a classification head).`,
          });
        }
      }
      if (!DEFAULT_BASE_NAMES.has(spec.baseModel) && !existsSync(resolveBaseDir(spec.baseModel))) {
        issues.push({
          severity: 'error',
          code: 'BASE_NOT_FOUND',
          message: `Base model folder ${resolveBaseDir(spec.baseModel)} does not exist (use "default" for the embedded base).`,
        });
      }
      return issues;
    },

    async submit(spec: JobSpec, data: PreparedData, ctx: SubmitContext): Promise<JobRef> {
      const dir = jobDir(ctx.key);
      const ref = refFor(ctx.key, dir);
      const existing = await readJob(dir);
      if (existing) {
        // Re-attach; restart a job whose worker died (it resumes from its checkpoint).
        const status = await readStatus(dir);
        const raw = status?.rawState ?? 'queued';
        const dead = !workerAlive(dir, status?.pid);
        if (!isTerminal(mapRawState(LOCAL_STATE_TABLE, raw)) && dead && !existsSync(jobPaths(dir).cancel)) {
          await appendEvent(dir, {
            kind: 'log',
            level: 'info',
            message: 'resuming from the last checkpoint',
          });
          start(dir);
        } else if (!isTerminal(mapRawState(LOCAL_STATE_TABLE, raw)) && dead) {
          await writeStatus(dir, {
            ...(status ?? {}),
            rawState: 'cancelled',
            finishedAt: new Date().toISOString(),
          });
        }
        return ref;
      }
      if (spec.method !== 'classification' || data.manifest.kind !== 'classification') {
        throw new PolytuneError(
          'UNSUPPORTED',
          `The local backend trains classifiers, not ${spec.method} on ${data.manifest.kind} data.`,
          {
            hint: 'Use --method classification with a {text, label} dataset, or a cloud provider for chat fine-tuning.',
          },
        );
      }
      const baseDir = resolveBaseDir(spec.baseModel);
      await loadBaseModel(baseDir); // fails now, with what is missing, rather than in the worker
      const config = configFor(spec);
      await mkdir(dir, { recursive: true });
      const job: LocalJobFile = {
        key: ctx.key,
        spec,
        dataDir: resolve(data.dir),
        createdAt: new Date().toISOString(),
        baseDir,
        config,
      };
      await writeJsonAtomic(jobPaths(dir).job, job);
      await writeStatus(dir, { rawState: 'queued' });
      const event = await appendEvent(dir, {
        kind: 'state',
        level: 'info',
        message: `queued (base ${baseDir})`,
        state: 'queued',
      });
      ctx.onEvent?.(event);
      start(dir);
      return ref;
    },

    async find(key: string): Promise<JobRef | undefined> {
      const dir = jobDir(key);
      return (await readJob(dir)) ? refFor(key, dir) : undefined;
    },

    get: snapshot,

    async cancel(ref: JobRef): Promise<void> {
      const dir = ref.remoteId;
      const status = await readStatus(dir);
      if (!status)
        throw new PolytuneError('NOT_FOUND', `No local job at ${dir}.`, { hint: 'Check the job key.' });
      if (isTerminal(mapRawState(LOCAL_STATE_TABLE, status.rawState))) return;
      await writeFile(jobPaths(dir).cancel, new Date().toISOString());
      if (workerAlive(dir, status.pid) && status.rawState === 'running') {
        // The worker stops at its next batch and writes `cancelled` itself.
        await writeStatus(dir, { ...status, rawState: 'cancelling' });
        await appendEvent(dir, { kind: 'log', level: 'info', message: 'cancel requested' });
        return;
      }
      const task = running.get(dir);
      if (task) {
        await task;
        return;
      }
      await writeStatus(dir, { ...status, rawState: 'cancelled', finishedAt: new Date().toISOString() });
      await appendEvent(dir, { kind: 'state', level: 'info', message: 'cancelled', state: 'cancelled' });
    },

    async *events(ref: JobRef, since?: string): AsyncIterable<JobEvent> {
      const events = await readEvents(ref.remoteId);
      const from = since === undefined ? 0 : events.findIndex((e) => e.id === since) + 1;
      for (const event of events.slice(from)) yield event;
    },

    async model(target: JobRef | string): Promise<Model> {
      if (typeof target !== 'string')
        return loadClassifierModel(jobPaths(target.remoteId).model, options.device);
      const ref = target.replace(/^local-onnx:/, '');
      if (ref.startsWith('zero-shot')) {
        // local-onnx:zero-shot:<prepared folder or job folder>[@<base folder>]
        const [source, baseDir] = ref.slice('zero-shot'.length).replace(/^:/, '').split('@');
        const labels = await labelsFrom(source ?? '');
        return zeroShotModel(
          await loadBaseModel(baseDir ? resolve(baseDir) : DEFAULT_BASE_DIR),
          labels,
          options.device,
          `local-onnx:zero-shot:${resolve(source ?? '')}${baseDir ? `@${resolve(baseDir)}` : ''}`,
        );
      }
      const dir = resolve(ref);
      if (existsSync(join(dir, 'job.json'))) return loadClassifierModel(jobPaths(dir).model, options.device);
      return loadClassifierModel(dir, options.device);
    },

    price(): CostEstimate {
      return zeroCost('estimate');
    },

    async settled(ref: JobRef): Promise<void> {
      await running.get(ref.remoteId);
    },
  };
  return provider;
}

/** Label names for the zero-shot model: from a prepared folder's manifest or an exported model's. */
async function labelsFrom(source: string): Promise<string[]> {
  const dir = resolve(source || '.');
  for (const file of [join(dir, 'manifest.json'), join(dir, 'model', 'manifest.json')]) {
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(await readFile(file, 'utf8')) as {
      labels?: string[];
      stats?: { labels?: Record<string, number> };
    };
    const labels = manifest.labels ?? Object.keys(manifest.stats?.labels ?? {});
    if (labels.length > 0) return [...labels].sort();
  }
  throw new PolytuneError('USAGE', `No label names found in ${dir}.`, {
    hint: 'Use local-onnx:zero-shot:<prepared dataset folder>, whose manifest lists the labels.',
  });
}
