import { stat } from 'node:fs/promises';
import path from 'node:path';
import aiplatform from '@google-cloud/aiplatform';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, JobSnapshot, Model, Provider, SubmitContext } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { forStorage } from './vertex-auth.js';
import { createVertexBatch } from './vertex-batch.js';
import { actualVertexCost, estimateVertexCost, inferencePriceFor } from './vertex-cost.js';
import { isRetryableGoogleError, toPolytuneError } from './vertex-errors.js';
import { eventsSince, type ObservedState, vertexEvents } from './vertex-events.js';
import { rawStateOf, vertexJobState } from './vertex-job-state.js';
import { keyFilter, keyLabelValue } from './vertex-labels.js';
import { createVertexModel, modelResource } from './vertex-model.js';
import { requireProject, resolveVertexOptions, type VertexOptions } from './vertex-options.js';
import { VERTEX_PRICES } from './vertex-prices.js';
import {
  buildTuningJob,
  epochsOf,
  int64,
  isoTime,
  labelKeyOf,
  snapshotOf,
  type TuningJob,
} from './vertex-tuning-job.js';
import { type UploadedFile, uploadCompiledFile } from './vertex-upload.js';
import { GEMINI_LIMITS, validateForVertex } from './vertex-validate.js';

export type { VertexOptions } from './vertex-options.js';

/** States that leave no timestamp on the job, so a poll that sees them records one for `events`. */
const UNTIMED_STATES = new Set([
  'JOB_STATE_PENDING',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_PAUSED',
  'JOB_STATE_UPDATING',
]);

/**
 * Vertex AI Gemini supervised tuning: compiled JSONL goes to Cloud Storage
 * under content-hash names, tuning jobs are created through the GenAI tuning
 * service over REST, and the tuned endpoint is called with generateContent.
 */
export function createVertexProvider(settings: VertexOptions = {}): Provider {
  const opts = resolveVertexOptions(settings);
  const parent = () => `projects/${requireProject(opts)}/locations/${opts.location}`;
  const clientOptions = {
    fallback: true,
    apiEndpoint:
      opts.apiEndpoint ??
      (opts.location === 'global'
        ? 'aiplatform.googleapis.com'
        : `${opts.location}-aiplatform.googleapis.com`),
    projectId: opts.project,
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
    ...(opts.authClient ? { authClient: opts.authClient } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.keyFilename ? { keyFilename: opts.keyFilename } : {}),
  } as ClientOptions;
  // Clients are built on first use: constructing one already resolves credentials (and on a
  // machine without ADC probes the GCE metadata server), which a dry run must not do.
  let tuningClient: InstanceType<typeof aiplatform.v1.GenAiTuningServiceClient> | undefined;
  const tuning = () => {
    tuningClient ??= new aiplatform.v1.GenAiTuningServiceClient(clientOptions);
    return tuningClient;
  };
  let prediction: InstanceType<typeof aiplatform.v1.PredictionServiceClient> | undefined;
  let storage: Storage | undefined;
  const prices: PriceTable = mergePrices(VERTEX_PRICES, opts.prices);
  const retry: RetryOptions = { ...opts.retry, isRetryable: isRetryableGoogleError };
  const observed = new Map<string, ObservedState[]>();

  function storageClient(): Storage {
    if (!storage) {
      const storageOptions: StorageOptions = {
        projectId: opts.project,
        // Our retry policy wraps each call; the SDK's own would multiply it.
        retryOptions: { autoRetry: false },
      };
      if (opts.authClient)
        storageOptions.authClient = forStorage(opts.authClient as object) as StorageOptions['authClient'];
      if (opts.credentials) storageOptions.credentials = opts.credentials;
      if (opts.keyFilename) storageOptions.keyFilename = opts.keyFilename;
      if (opts.storageEndpoint) storageOptions.apiEndpoint = opts.storageEndpoint;
      storage = new Storage(storageOptions);
    }
    return storage;
  }

  let jobService: InstanceType<typeof aiplatform.v1.JobServiceClient> | undefined;
  const jobClient = () => {
    jobService ??= new aiplatform.v1.JobServiceClient(clientOptions);
    return jobService;
  };

  let endpointService: InstanceType<typeof aiplatform.v1.EndpointServiceClient> | undefined;
  async function deployedModel(endpoint: string): Promise<string | undefined> {
    endpointService ??= new aiplatform.v1.EndpointServiceClient(clientOptions);
    const client = endpointService;
    const [found] = await withRetry(async () => {
      try {
        return await client.getEndpoint({ name: endpoint });
      } catch (error) {
        throw toPolytuneError(error, `read endpoint ${endpoint}`);
      }
    }, retry);
    return found.deployedModels?.[0]?.model ?? undefined;
  }

  function predictionClient() {
    prediction ??= new aiplatform.v1.PredictionServiceClient(clientOptions);
    return prediction;
  }

  /** Reads are retried on RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED (and a raw 503). */
  function read<T>(action: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call();
        } catch (error) {
          throw toPolytuneError(error, action);
        }
      },
      { ...retry, signal },
    );
  }

  function refOf(key: string, job: TuningJob): JobRef {
    if (!job.name) throw new PolytuneError('PROVIDER', 'Vertex AI returned a tuning job without a name.');
    return { provider: 'vertex', key, remoteId: job.name };
  }

  async function getJob(name: string, signal?: AbortSignal): Promise<TuningJob> {
    const [job] = await read(`reading tuning job ${name}`, () => tuning().getTuningJob({ name }), signal);
    const raw = rawStateOf(job.state);
    if (UNTIMED_STATES.has(raw) || /^\d+$/.test(raw)) {
      const seen = observed.get(name) ?? [];
      if (seen.at(-1)?.raw !== raw) {
        seen.push({ raw, at: isoTime(job.updateTime) ?? new Date().toISOString() });
        observed.set(name, seen);
      }
    }
    return job;
  }

  /** Every job carrying the key's label; the label is checked again in case a filter is ignored. */
  async function jobsWithKey(key: string, signal?: AbortSignal): Promise<TuningJob[]> {
    const value = keyLabelValue(key);
    const found: TuningJob[] = [];
    let pageToken: string | undefined;
    do {
      const [jobs, , response] = await read(
        'listing tuning jobs',
        () =>
          tuning().listTuningJobs(
            { parent: parent(), filter: keyFilter(key), pageSize: 100, pageToken },
            { autoPaginate: false },
          ),
        signal,
      );
      found.push(...jobs.filter((job) => labelKeyOf(job) === value));
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    return found;
  }

  /** The job to re-attach to: a live or succeeded one first, else the newest. */
  async function findJob(key: string, signal?: AbortSignal): Promise<JobRef | undefined> {
    const jobs = await jobsWithKey(key, signal);
    if (jobs.length === 0) return undefined;
    const rank = (job: TuningJob) => {
      const state = vertexJobState(rawStateOf(job.state));
      return state === 'failed' || state === 'cancelled' ? 0 : 1;
    };
    const time = (job: TuningJob) => Date.parse(isoTime(job.createTime) ?? '') || 0;
    const best = [...jobs].sort((a, b) => rank(b) - rank(a) || time(b) - time(a))[0] as TuningJob;
    return refOf(key, best);
  }

  async function upload(
    data: PreparedData,
    ctx: SubmitContext,
  ): Promise<{ train: UploadedFile; validation?: UploadedFile }> {
    if (!opts.bucket) {
      throw new PolytuneError('INVALID_INPUT', 'No Cloud Storage bucket is set for Vertex AI uploads.', {
        hint: 'Set `vertex.bucket` in polytune.config or POLYTUNE_VERTEX_BUCKET (a bucket in the tuning region).',
      });
    }
    const compiled = data.manifest.compiled.vertex;
    if (!compiled) {
      throw new PolytuneError('INVALID_INPUT', `${data.dir} has no compiled Vertex AI files.`, {
        hint: 'Run `polytune data prepare` with the vertex provider selected.',
      });
    }
    const target = {
      storage: storageClient(),
      bucket: opts.bucket,
      prefix: opts.prefix,
      resumableThresholdBytes: opts.resumableThresholdBytes,
      retry: { ...opts.retry, signal: ctx.signal },
    };
    const files = { train: compiled.train, validation: compiled.validation };
    const result: { train?: UploadedFile; validation?: UploadedFile } = {};
    for (const name of ['train', 'validation'] as const) {
      const file = files[name];
      if (!file) continue;
      const local = path.resolve(data.dir, file.file);
      const size = await stat(local).then(
        (s) => s.size,
        () => -1,
      );
      if (size > GEMINI_LIMITS.maxFileBytes) {
        throw new PolytuneError(
          'INVALID_INPUT',
          `${file.file} is ${(size / 1024 ** 3).toFixed(2)} GB; Vertex AI takes JSONL files up to 1 GB.`,
          {
            hint: 'Train on fewer or shorter examples.',
            file: local,
          },
        );
      }
      const uploaded = await uploadCompiledFile(target, local, name, file.sha256);
      result[name] = uploaded;
      await ctx.onUpload?.({ name, sha256: uploaded.sha256, remoteId: uploaded.uri });
      ctx.onEvent?.({
        id: `upload:${name}:${uploaded.sha256}`,
        at: new Date().toISOString(),
        kind: 'log',
        level: 'info',
        message: uploaded.uploaded
          ? `uploaded ${name} to ${uploaded.uri}`
          : `${name} already in ${uploaded.uri}`,
      });
    }
    return result as { train: UploadedFile; validation?: UploadedFile };
  }

  const provider: Provider = {
    id: 'vertex',
    capabilities: {
      methods: ['sft'],
      maxExamples: GEMINI_LIMITS.maxTrainingExamples,
      maxTokensPerExample: GEMINI_LIMITS.maxTokensPerExample,
    },

    validate(stats: DatasetStats, spec: JobSpec) {
      return validateForVertex(stats, spec);
    },

    async submit(spec, data, ctx) {
      const existing = await findJob(ctx.key, ctx.signal);
      if (existing) return existing;
      const files = await upload(data, ctx);
      const tuningJob = buildTuningJob({
        spec,
        key: ctx.key,
        trainingDatasetUri: files.train.uri,
        validationDatasetUri: files.validation?.uri,
      });
      // CreateTuningJob has no request id: every retry first looks for a job with our key.
      return withRetry(
        async (attempt) => {
          if (attempt > 0) {
            const found = await findJob(ctx.key, ctx.signal);
            if (found) return found;
          }
          try {
            const [job] = await tuning().createTuningJob({ parent: parent(), tuningJob });
            ctx.onEvent?.({
              id: `created:${job.name}`,
              at: isoTime(job.createTime) ?? new Date().toISOString(),
              kind: 'state',
              level: 'info',
              state: vertexJobState(rawStateOf(job.state)),
              message: `created tuning job ${job.name}`,
            });
            return refOf(ctx.key, job);
          } catch (error) {
            throw toPolytuneError(error, 'creating the tuning job');
          }
        },
        { ...retry, signal: ctx.signal },
      );
    },

    find(key) {
      return findJob(key);
    },

    async get(ref): Promise<JobSnapshot> {
      const job = await getJob(ref.remoteId);
      const snapshot = snapshotOf(ref, job);
      const billable = int64(job.tuningDataStats?.supervisedTuningDataStats?.totalBillableTokenCount);
      const epochs = epochsOf(job);
      if (billable && epochs) snapshot.trainedTokens = billable * epochs;
      if (billable && job.baseModel) {
        try {
          snapshot.cost = actualVertexCost(prices, job.baseModel, billable, epochs, opts.assumedEpochs);
        } catch {
          // No price for this base model: the snapshot simply has no cost.
        }
      }
      return snapshot;
    },

    async cancel(ref) {
      try {
        await read(`cancelling ${ref.remoteId}`, () => tuning().cancelTuningJob({ name: ref.remoteId }));
      } catch (error) {
        // Cancelling a job that already ended is refused (FAILED_PRECONDITION); the user's wish holds.
        const job = await getJob(ref.remoteId).catch(() => undefined);
        if (job && isTerminal(vertexJobState(rawStateOf(job.state)))) return;
        throw error;
      }
    },

    async *events(ref, since): AsyncIterable<JobEvent> {
      const job = await getJob(ref.remoteId);
      yield* eventsSince(vertexEvents(job, observed.get(ref.remoteId)), since);
    },

    async model(target): Promise<Model> {
      let resource: string;
      let baseModel: string | undefined;
      let batchModel: string | (() => Promise<string | undefined>) | undefined;
      const jobName =
        typeof target === 'string'
          ? /\/tuningJobs\/[^/]+$/.test(target)
            ? target.replace(/^vertex:/, '')
            : undefined
          : target.remoteId;
      if (jobName) {
        const job = await getJob(jobName);
        const raw = rawStateOf(job.state);
        const endpoint = job.tunedModel?.endpoint;
        if (vertexJobState(raw) !== 'succeeded' || !endpoint) {
          throw new PolytuneError(
            'NOT_FOUND',
            `Tuning job ${jobName} has no tuned model to call yet (state ${raw}).`,
            {
              hint: 'Wait for the job to succeed (`polytune jobs wait`), then run the evaluation.',
              isRetryable: false,
            },
          );
        }
        resource = endpoint;
        baseModel = job.baseModel ?? undefined;
        batchModel = job.tunedModel?.model ?? undefined;
      } else {
        resource = modelResource(target as string, requireProject(opts), opts.location);
        if (resource.includes('/publishers/')) baseModel = resource;
        if (resource.includes('/publishers/'))
          batchModel = resource.replace(/^projects\/[^/]+\/locations\/[^/]+\//, '');
        // A tuned endpoint: batch prediction runs the model it serves, looked up at the first create.
        if (resource.includes('/endpoints/')) batchModel = () => deployedModel(resource);
      }
      const price = baseModel ? inferencePriceFor(prices, baseModel) : undefined;
      // eval --batch: batch prediction needs a model resource and a bucket.
      const batch =
        batchModel && opts.bucket
          ? createVertexBatch({
              jobs: jobClient,
              storage: storageClient,
              bucket: opts.bucket,
              prefix: opts.prefix,
              parent: parent(),
              model: batchModel,
              price,
              retry,
            })
          : undefined;
      return createVertexModel({ client: predictionClient(), resource, price, retry, owned: false, batch });
    },

    price(spec, stats) {
      return estimateVertexCost(prices, spec, stats, opts.assumedEpochs);
    },
  };
  return provider;
}

function mergePrices(defaults: PriceTable, overrides: Record<string, Partial<PriceEntry>>): PriceTable {
  const merged: PriceTable = { ...defaults };
  for (const [model, entry] of Object.entries(overrides)) {
    const base = defaults[model];
    merged[model] = {
      ...base,
      ...entry,
      source: entry.source ?? 'polytune.config override',
      date: entry.date ?? base?.date ?? 'unknown',
    };
  }
  return merged;
}
