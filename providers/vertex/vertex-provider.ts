import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';
import type { JobEvent, JobSnapshot, Model, Provider } from '../../src/provider.js';
import { withRetry } from '../../src/retry.js';
import { createVertexClients } from './vertex-clients.js';
import { actualVertexCost, estimateVertexCost, inferencePriceFor } from './vertex-cost.js';
import { isRetryableGoogleError } from './vertex-errors.js';
import { eventsSince, vertexEvents } from './vertex-events.js';
import { rawStateOf, vertexJobState } from './vertex-job-state.js';
import { createVertexJobs } from './vertex-jobs.js';
import { createVertexModel } from './vertex-model.js';
import { resolveModelTarget } from './vertex-model-target.js';
import { requireProject, resolveVertexOptions, type VertexOptions } from './vertex-options.js';
import { VERTEX_PRICES } from './vertex-prices.js';
import { tunableModelList } from './vertex-tunable-models.js';
import { buildTuningJob, epochsOf, int64, isoTime, snapshotOf } from './vertex-tuning-job.js';
import { uploadPreparedData } from './vertex-upload.js';
import { validateForVertex } from './vertex-validate.js';

export type { VertexOptions } from './vertex-options.js';

/**
 * Vertex AI Gemini tuning: compiled JSONL goes to Cloud Storage under
 * content-hash names, tuning jobs are created through the GenAI tuning
 * service over REST, and the tuned endpoint is called with generateContent.
 * This object only wires the parts: settings (vertex-options), clients,
 * uploads, job calls (vertex-jobs), status/events, the Model, errors, prices.
 */
export function createVertexProvider(settings: VertexOptions = {}): Provider {
  const opts = resolveVertexOptions(settings);
  const parent = () => `projects/${requireProject(opts)}/locations/${opts.location}`;
  const clients = createVertexClients(opts);
  const prices: PriceTable = mergePrices(VERTEX_PRICES, opts.prices);
  const retry = { ...opts.retry, isRetryable: isRetryableGoogleError };
  const jobs = createVertexJobs({ clients, parent, retry });

  return {
    id: 'vertex',
    capabilities: { methods: ['sft', 'dpo'], maxExamples: 10_000_000, maxTokensPerExample: 131_072 },

    validate: (stats, spec) => validateForVertex(stats, spec, opts.location),

    async submit(spec, data, ctx) {
      const existing = await jobs.find(ctx.key, ctx.signal);
      if (existing) return existing;
      const files = await uploadPreparedData(data, ctx, {
        storage: clients.storage(),
        bucket: opts.bucket,
        prefix: opts.prefix,
        resumableThresholdBytes: opts.resumableThresholdBytes,
        retry: { ...opts.retry, signal: ctx.signal },
      });
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
            const found = await jobs.find(ctx.key, ctx.signal);
            if (found) return found;
          }
          const job = await jobs.create(tuningJob);
          ctx.onEvent?.({
            id: `created:${job.name}`,
            at: isoTime(job.createTime) ?? new Date().toISOString(),
            kind: 'state',
            level: 'info',
            state: vertexJobState(rawStateOf(job.state)),
            message: `created tuning job ${job.name}`,
          });
          return jobs.refOf(ctx.key, job);
        },
        { ...retry, signal: ctx.signal },
      );
    },

    find: (key) => jobs.find(key),

    async get(ref): Promise<JobSnapshot> {
      const job = await jobs.get(ref.remoteId);
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

    cancel: (ref) => jobs.cancel(ref.remoteId),

    async *events(ref, since): AsyncIterable<JobEvent> {
      const job = await jobs.get(ref.remoteId);
      yield* eventsSince(vertexEvents(job, jobs.observed(ref.remoteId)), since);
    },

    async model(target): Promise<Model> {
      const resolved = await resolveModelTarget(target, {
        getJob: (name) => jobs.get(name),
        project: () => requireProject(opts),
        location: opts.location,
      });
      return createVertexModel({
        client: clients.prediction(resolved.servingLocation),
        resource: resolved.resource,
        price: resolved.baseModel ? inferencePriceFor(prices, resolved.baseModel) : undefined,
        retry,
        owned: false,
      });
    },

    price: (spec, stats) => estimateVertexCost(prices, spec, stats, opts.assumedEpochs),

    listTunableModels: async () => tunableModelList(),
  };
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
