import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';
import type { JobEvent, JobRef, JobSnapshot, Model, Provider } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { createVertexBatch } from './vertex-batch.js';
import { createVertexClients, type VertexClients } from './vertex-clients.js';
import { actualVertexCost, estimateVertexCost, inferencePriceFor } from './vertex-cost.js';
import { isRetryableGoogleError, toPolytuneError } from './vertex-errors.js';
import { eventsSince, vertexEvents } from './vertex-events.js';
import { createVertexJobs } from './vertex-jobs.js';
import { createVertexModel } from './vertex-model.js';
import { resolveModelTarget } from './vertex-model-target.js';
import { requireProject, resolveVertexOptions, type VertexOptions } from './vertex-options.js';
import { VERTEX_PRICES } from './vertex-prices.js';
import { submitTuningJob } from './vertex-submit.js';
import { tunableModelList, tunableTable } from './vertex-tunable-models.js';
import { epochsOf, int64, snapshotOf, type TuningJob } from './vertex-tuning-job.js';
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
  const table = tunableTable(opts.tunableModels);

  return {
    id: 'vertex',
    capabilities: {
      methods: ['sft', 'dpo'],
      maxExamples: Math.max(...table.map((m) => m.maxTrainingExamples)),
      maxTokensPerExample: Math.max(...table.map((m) => m.maxTokensPerExample)),
    },

    validate: (stats, spec) => validateForVertex(stats, spec, opts.location, table),

    submit: (spec, data, ctx) =>
      submitTuningJob(
        {
          jobs,
          location: opts.location,
          table,
          retry,
          upload: {
            storage: clients.storage(),
            bucket: opts.bucket,
            prefix: opts.prefix,
            resumableThresholdBytes: opts.resumableThresholdBytes,
            retry: opts.retry,
          },
        },
        spec,
        data,
        ctx,
      ),

    find: (key) => jobs.find(key),

    get: async (ref) => snapshotWithCost(ref, await jobs.get(ref.remoteId), prices, opts.assumedEpochs),

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
        table,
        deployedModel: (endpoint) => deployedModel(clients, endpoint, retry),
      });
      const price = resolved.baseModel ? inferencePriceFor(prices, resolved.baseModel) : undefined;
      // eval --batch: batch prediction needs a model resource and a bucket.
      const batch =
        resolved.batchModel && opts.bucket
          ? createVertexBatch({
              jobs: () => clients.jobs(),
              storage: () => clients.storage(),
              bucket: opts.bucket,
              prefix: opts.prefix,
              parent: parent(),
              model: resolved.batchModel,
              price,
              retry,
            })
          : undefined;
      return createVertexModel({
        client: clients.prediction(resolved.servingLocation),
        resource: resolved.resource,
        price,
        retry,
        owned: false,
        batch,
      });
    },

    price: (spec, stats) => estimateVertexCost(prices, spec, stats, opts.assumedEpochs),

    listTunableModels: async () => tunableModelList(table),
  };
}

/** The job as a snapshot, with trained tokens and the actual cost once Vertex reports billable tokens. */
function snapshotWithCost(
  ref: JobRef,
  job: TuningJob,
  prices: PriceTable,
  assumedEpochs: number,
): JobSnapshot {
  const snapshot = snapshotOf(ref, job);
  const billable = int64(job.tuningDataStats?.supervisedTuningDataStats?.totalBillableTokenCount);
  const epochs = epochsOf(job);
  if (billable && epochs) snapshot.trainedTokens = billable * epochs;
  if (billable && job.baseModel) {
    try {
      snapshot.cost = actualVertexCost(prices, job.baseModel, billable, epochs, assumedEpochs);
    } catch {
      // No price for this base model: the snapshot simply has no cost (unknown, not $0).
    }
  }
  return snapshot;
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

/** The model a tuned endpoint serves (its first deployed model). */
async function deployedModel(
  clients: VertexClients,
  endpoint: string,
  retry: RetryOptions,
): Promise<string | undefined> {
  const [found] = await withRetry(async () => {
    try {
      return await clients.endpoints().getEndpoint({ name: endpoint });
    } catch (error) {
      throw toPolytuneError(error, `read endpoint ${endpoint}`);
    }
  }, retry);
  return found.deployedModels?.[0]?.model ?? undefined;
}
