import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CostEstimate } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal, mapRawState } from '../../src/jobs/job-state.js';
import type { Issue, JobEvent, JobRef, Model, Provider, SubmitContext } from '../../src/provider.js';
import { loadBaseModel } from './base-model.js';
import { isCausalLmFolder, loadCausalLmFolder } from './causal-lm/causal-lm-folder.js';
import { causalLmConfigFor, validateCausalLmJob } from './causal-lm/causal-lm-job.js';
import { classifierConfigFor, validateClassifierJob } from './classifier-job.js';
import { createLocalJobLauncher, type LocalJobLauncher } from './local-job-launcher.js';
import { localCost, localJobSnapshot } from './local-job-snapshot.js';
import {
  appendEvent,
  jobPaths,
  LOCAL_STATE_TABLE,
  type LocalJobFile,
  readEvents,
  readJob,
  readStatus,
  writeStatus,
} from './local-job-store.js';
import { resolveLocalModel } from './local-model-refs.js';
import {
  DEFAULT_BASE_NAMES,
  LOCAL_ONNX_ID,
  type LocalOnnxSettings,
  type ParsedLocalOnnxSettings,
  parseLocalOnnxSettings,
  resolveBaseDir,
} from './local-onnx-options.js';

export { LOCAL_ONNX_ID, type LocalOnnxSettings, LocalOnnxSettingsSchema } from './local-onnx-options.js';

export interface LocalOnnxProvider extends Provider {
  /** Resolves when an in-process job of this provider ends (tests, SDK callers). */
  settled(ref: JobRef): Promise<void>;
  readonly workDir: string;
}

function keyDirName(key: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(key)) {
    throw new PolytuneError('USAGE', `Job key ${JSON.stringify(key)} cannot name a folder.`, {
      hint: 'Job keys are hex hashes made by polytune; pass one of those.',
    });
  }
  return key;
}

/** Plan checks: the base decides the kind of job (classifier base or causal-LM export). */
function validateLocalJob(stats: DatasetStats, spec: JobSpec): Issue[] {
  const baseDir = resolveBaseDir(spec.baseModel);
  if (!DEFAULT_BASE_NAMES.has(spec.baseModel) && !existsSync(baseDir)) {
    return [
      {
        severity: 'error',
        code: 'BASE_NOT_FOUND',
        message: `Base model folder ${baseDir} does not exist (use "default" for the embedded base).`,
      },
    ];
  }
  return isCausalLmFolder(baseDir) ? validateCausalLmJob(stats, spec) : validateClassifierJob(stats, spec);
}

/** Checks the base now (rather than in the worker) and resolves the job's training config. */
async function jobConfig(spec: JobSpec, data: PreparedData, options: ParsedLocalOnnxSettings, raw: unknown) {
  const baseDir = resolveBaseDir(spec.baseModel);
  const kind = data.manifest.kind;
  if (isCausalLmFolder(baseDir)) {
    await loadCausalLmFolder(baseDir);
    if (spec.method !== 'sft' || (kind !== 'chat' && kind !== 'completion')) {
      throw new PolytuneError(
        'UNSUPPORTED',
        `A causal-LM base takes --method sft on chat or completion data, not ${spec.method} on ${kind} data.`,
        {
          hint: 'Prepare chat ({messages}) or {prompt, completion} data.',
        },
      );
    }
    return { baseDir, config: causalLmConfigFor(spec, options) };
  }
  if (spec.method !== 'classification' || kind !== 'classification') {
    throw new PolytuneError(
      'UNSUPPORTED',
      `The classifier base trains classifiers, not ${spec.method} on ${kind} data.`,
      {
        hint: 'Use --method classification with {text, label} data, or --base-model <an Optimum causal-LM export folder> for chat or completion data.',
      },
    );
  }
  await loadBaseModel(baseDir);
  return { baseDir, config: classifierConfigFor(spec, options, raw) };
}

/** Re-attaches to an existing job; restarts one whose worker died (it resumes from its checkpoint). */
async function reattach(dir: string, launcher: LocalJobLauncher): Promise<void> {
  const status = await readStatus(dir);
  const raw = status?.rawState ?? 'queued';
  if (isTerminal(mapRawState(LOCAL_STATE_TABLE, raw)) || launcher.alive(dir, status?.pid)) return;
  if (!existsSync(jobPaths(dir).cancel)) {
    await appendEvent(dir, { kind: 'log', level: 'info', message: 'resuming from the last checkpoint' });
    launcher.start(dir);
    return;
  }
  await writeStatus(dir, { ...(status ?? {}), rawState: 'cancelled', finishedAt: new Date().toISOString() });
}

async function cancelJob(ref: JobRef, launcher: LocalJobLauncher): Promise<void> {
  const dir = ref.remoteId;
  const status = await readStatus(dir);
  if (!status)
    throw new PolytuneError('NOT_FOUND', `No local job at ${dir}.`, { hint: 'Check the job key.' });
  if (isTerminal(mapRawState(LOCAL_STATE_TABLE, status.rawState))) return;
  await writeFile(jobPaths(dir).cancel, new Date().toISOString());
  if (launcher.alive(dir, status.pid) && status.rawState === 'running') {
    // The worker stops at its next batch and writes `cancelled` itself.
    await writeStatus(dir, { ...status, rawState: 'cancelling' });
    await appendEvent(dir, { kind: 'log', level: 'info', message: 'cancel requested' });
    return;
  }
  if (launcher.runningHere(dir)) return launcher.settled(dir);
  await writeStatus(dir, { ...status, rawState: 'cancelled', finishedAt: new Date().toISOString() });
  await appendEvent(dir, { kind: 'state', level: 'info', message: 'cancelled', state: 'cancelled' });
}

export function createLocalOnnxProvider(
  settings: LocalOnnxSettings | Record<string, unknown> = {},
): LocalOnnxProvider {
  const options = parseLocalOnnxSettings(settings);
  const workDir = resolve(options.workDir);
  const launcher = createLocalJobLauncher(options.execution, join(workDir, 'features'));
  const jobDir = (key: string) => join(workDir, 'jobs', keyDirName(key));
  const refFor = (key: string): JobRef => ({ provider: LOCAL_ONNX_ID, key, remoteId: jobDir(key) });

  return {
    id: LOCAL_ONNX_ID,
    workDir,
    capabilities: { methods: ['classification', 'sft'], minExamples: 2 },
    validate: validateLocalJob,

    async submit(spec: JobSpec, data: PreparedData, ctx: SubmitContext): Promise<JobRef> {
      const dir = jobDir(ctx.key);
      if (await readJob(dir)) {
        await reattach(dir, launcher);
        return refFor(ctx.key);
      }
      const { baseDir, config } = await jobConfig(spec, data, options, settings);
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
      ctx.onEvent?.(
        await appendEvent(dir, {
          kind: 'state',
          level: 'info',
          message: `queued (base ${baseDir})`,
          state: 'queued',
        }),
      );
      launcher.start(dir);
      return refFor(ctx.key);
    },

    async find(key: string): Promise<JobRef | undefined> {
      return (await readJob(jobDir(key))) ? refFor(key) : undefined;
    },

    get: (ref) => localJobSnapshot(ref, launcher),
    cancel: (ref) => cancelJob(ref, launcher),

    async *events(ref: JobRef, since?: string): AsyncIterable<JobEvent> {
      const events = await readEvents(ref.remoteId);
      const from = since === undefined ? 0 : events.findIndex((e) => e.id === since) + 1;
      for (const event of events.slice(from)) yield event;
    },

    async model(target: JobRef | string): Promise<Model> {
      return resolveLocalModel(typeof target === 'string' ? target : target.remoteId, options.device);
    },

    price(): CostEstimate {
      return localCost('estimate');
    },

    settled: (ref) => launcher.settled(ref.remoteId),
  };
}
