import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { protos, v1 } from '@google-cloud/aiplatform';
import type { Storage } from '@google-cloud/storage';
import { discountedPrice } from '../../src/cost/token-cost.js';
import { PolytuneError } from '../../src/errors.js';
import type {
  BatchCapability,
  BatchLimits,
  BatchLineResult,
  BatchSnapshot,
  BatchState,
  InferencePrice,
} from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { toPolytuneError } from './vertex-errors.js';
import { rawStateOf } from './vertex-job-state.js';
import { keyLabelValue } from './vertex-labels.js';
import { toGeminiRequest } from './vertex-model.js';

type BatchPredictionJob = protos.google.cloud.aiplatform.v1.IBatchPredictionJob;

/** The label that carries polytune's batch key on a batch prediction job. */
export const BATCH_KEY_LABEL = 'polytune-batch-key';
/** The request label that carries a line's id, echoed back in the output's `request`. */
const LINE_LABEL = 'polytune-line';

/**
 * Per-job limits. 1 GB: Google's batch embeddings page says jobs built on
 * Gemini batch inference take "an input file size of up to 1 GB"
 * (docs.cloud.google.com/.../embeddings/batch-prediction-genai-embeddings, read
 * 2026-12-06). 200,000 requests: unverified, from a third-party guide
 * (docs.gmicloud.ai, "Max 1GB file size, max 200K requests"); the limits section
 * of Google's Gemini batch page could not be read here. Override if yours differ.
 */
export const VERTEX_BATCH_LIMITS: BatchLimits = {
  maxRequests: 200_000,
  maxBytes: 1024 * 1024 * 1024,
  source: 'unverified: 1 GB from Google batch embeddings page; 200,000 requests from a third-party guide',
  date: '2026-12-06',
};

/**
 * "Batch requests for Gemini models are discounted 50% from standard requests"
 * (cloud.google.com/vertex-ai/generative-ai/docs/multimodal/batch-prediction-gemini, read 2026-12-06).
 */
export const VERTEX_BATCH_DISCOUNT = 0.5;

const STATES: Record<string, BatchState> = {
  JOB_STATE_SUCCEEDED: 'completed',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'completed',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_EXPIRED: 'expired',
  JOB_STATE_CANCELLED: 'cancelled',
};

export interface VertexBatchOptions {
  jobs(): v1.JobServiceClient;
  storage(): Storage;
  bucket: string;
  prefix: string;
  /** `projects/P/locations/L`. */
  parent: string;
  /**
   * What the job runs: `publishers/google/models/M`, a tuned `projects/…/models/M@v`, or a lookup
   * (the model an endpoint serves), made at the first create only.
   */
  model: string | (() => Promise<string | undefined>);
  /** The online price; the batch discount is applied here. */
  price?: InferencePrice;
  retry: RetryOptions;
}

const lineLabel = (customId: string) => createHash('sha256').update(customId).digest('hex').slice(0, 32);

/**
 * Vertex AI batch prediction for one Gemini model: request lines as JSONL in
 * Cloud Storage, a `BatchPredictionJob` labelled with the batch key (found
 * again by a label filter), predictions read back from the job's output folder.
 * Each request carries a label with its line id, which the output echoes in
 * `request`, since output order is not the input order.
 */
export function createVertexBatch(options: VertexBatchOptions): BatchCapability {
  // Line label → custom id, filled as lines are encoded (each run encodes its suite again).
  const ids = new Map<string, string>();
  const price =
    options.price && discountedPrice(options.price, VERTEX_BATCH_DISCOUNT, 'batch prediction 50% discount');
  const once = async <T>(action: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (error) {
      throw toPolytuneError(error, action);
    }
  };
  const google = <T>(action: string, fn: () => Promise<T>) =>
    withRetry(() => once(action, fn), options.retry);
  const folder = (key: string) => `${options.prefix}/batches/${key}`;

  return {
    limits: VERTEX_BATCH_LIMITS,
    ...(price ? { price } : {}),

    encode(customId, request) {
      const label = lineLabel(customId);
      ids.set(label, customId);
      const { model: _model, ...body } = toGeminiRequest('', request);
      return JSON.stringify({ request: { ...body, labels: { [LINE_LABEL]: label } } });
    },

    async submit(key, lines) {
      const model = typeof options.model === 'string' ? options.model : await options.model();
      if (!model) {
        throw new PolytuneError(
          'UNSUPPORTED',
          'This endpoint serves no model that batch prediction can run.',
          {
            hint: 'Evaluate it without --batch, or pass the tuning job (job:<id>) or a publisher model.',
          },
        );
      }
      const object = `${folder(key)}/input.jsonl`;
      await google('upload the batch input', () =>
        options
          .storage()
          .bucket(options.bucket)
          .file(object)
          .save(`${lines.join('\n')}\n`, { resumable: false, contentType: 'application/jsonl' }),
      );
      const batchPredictionJob: BatchPredictionJob = {
        displayName: `polytune-batch-${key}`,
        model,
        inputConfig: { instancesFormat: 'jsonl', gcsSource: { uris: [`gs://${options.bucket}/${object}`] } },
        outputConfig: {
          predictionsFormat: 'jsonl',
          gcsDestination: { outputUriPrefix: `gs://${options.bucket}/${folder(key)}/output` },
        },
        labels: { [BATCH_KEY_LABEL]: keyLabelValue(key) },
      };
      // Once: a create retried blindly could start two paid jobs. The eval runner looks the key up before retrying.
      const [job] = await once('create the batch prediction job', () =>
        options.jobs().createBatchPredictionJob({ parent: options.parent, batchPredictionJob }),
      );
      return { key, remoteId: String(job.name) };
    },

    async find(key) {
      const [jobs] = await google('look up the batch prediction job by its key', () =>
        options.jobs().listBatchPredictionJobs({
          parent: options.parent,
          filter: `labels.${BATCH_KEY_LABEL}="${keyLabelValue(key)}"`,
        }),
      );
      // A service that ignored the filter must not hand us someone else's job.
      const match = jobs.find((job) => job.labels?.[BATCH_KEY_LABEL] === keyLabelValue(key));
      return match?.name ? { key, remoteId: match.name } : undefined;
    },

    async poll(ref): Promise<BatchSnapshot> {
      const [job] = await google(`read batch prediction job ${ref.remoteId}`, () =>
        options.jobs().getBatchPredictionJob({ name: ref.remoteId }),
      );
      const raw = rawStateOf(job.state);
      const stats = job.completionStats;
      const completed = Number(stats?.successfulCount ?? 0);
      const failed = Number(stats?.failedCount ?? 0);
      const incomplete = Math.max(0, Number(stats?.incompleteCount ?? 0));
      return {
        ref,
        state: STATES[raw] ?? 'running',
        rawState: raw,
        counts: { total: completed + failed + incomplete, completed, failed },
        ...(job.error?.message ? { error: job.error.message } : {}),
      };
    },

    async *read(ref): AsyncIterable<BatchLineResult> {
      const [job] = await google(`read batch prediction job ${ref.remoteId}`, () =>
        options.jobs().getBatchPredictionJob({ name: ref.remoteId }),
      );
      const directory = job.outputInfo?.gcsOutputDirectory;
      if (!directory) return;
      const [bucket, ...rest] = directory.replace(/^gs:\/\//, '').split('/');
      const [files] = await google('list the batch predictions', () =>
        options
          .storage()
          .bucket(bucket as string)
          .getFiles({ prefix: `${rest.join('/')}/` }),
      );
      for (const file of files.filter((f) => f.name.endsWith('.jsonl'))) {
        // Streamed line by line: a job's predictions can run to hundreds of megabytes.
        const lines = createInterface({
          input: file.createReadStream(),
          crlfDelay: Number.POSITIVE_INFINITY,
        });
        try {
          for await (const text of lines) {
            if (!text.trim()) continue;
            const parsed = parsePredictionLine(text, ids);
            if (parsed) yield parsed;
          }
        } catch (error) {
          throw toPolytuneError(error, `download ${file.name}`);
        }
      }
    },
  };
}

interface PredictionLine {
  status?: string;
  request?: { labels?: Record<string, string> };
  response?: protos.google.cloud.aiplatform.v1.IGenerateContentResponse;
}

/** One line of `predictions.jsonl` → an answer, or the row's error (`status`). */
export function parsePredictionLine(text: string, ids: Map<string, string>): BatchLineResult | undefined {
  let line: PredictionLine;
  try {
    line = JSON.parse(text) as PredictionLine;
  } catch {
    return undefined; // unreadable: its case counts as unanswered (online, or an error), never dropped
  }
  const customId = ids.get(line.request?.labels?.[LINE_LABEL] ?? '');
  if (!customId) return undefined;
  const candidate = line.response?.candidates?.[0];
  if (!line.status && candidate) {
    const usage = line.response?.usageMetadata;
    return {
      customId,
      generation: {
        text: (candidate.content?.parts ?? []).map((p) => p.text ?? '').join(''),
        latencyMs: 0,
        ...(usage
          ? {
              usage: {
                inputTokens: usage.promptTokenCount ?? 0,
                outputTokens: usage.candidatesTokenCount ?? 0,
              },
            }
          : {}),
      },
    };
  }
  return { customId, error: { code: 'BATCH_LINE', message: line.status || 'no response for this row' } };
}
