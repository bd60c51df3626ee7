import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { discountedPrice } from '../../src/cost/token-cost.js';
import type {
  BatchCapability,
  BatchLimits,
  BatchLineResult,
  BatchRef,
  BatchSnapshot,
  BatchState,
  GenerateRequest,
  InferencePrice,
} from '../../src/provider.js';
import { chatCompletionBody } from './openai-chat-request.js';
import { call } from './openai-errors.js';

/** Metadata key that tags a batch with polytune's batch key (found again by `find`). */
export const BATCH_KEY_METADATA = 'polytune_batch_key';

/**
 * Per-batch limits, from the `input_file_id` description of `CreateBatchRequest`
 * in OpenAI's OpenAPI description (../shared/data/openai_openapi.json, read
 * 2026-12-06): "The file can contain up to 50,000 requests, and can be up to
 * 200 MB in size." (also https://platform.openai.com/docs/api-reference/batch/create).
 */
export const OPENAI_BATCH_LIMITS: BatchLimits = {
  maxRequests: 50_000,
  maxBytes: 200 * 1024 * 1024,
  source: 'OpenAI OpenAPI description, CreateBatchRequest.input_file_id',
  date: '2026-12-06',
};

/**
 * "Better cost efficiency: 50% cost discount compared to synchronous APIs"
 * (https://platform.openai.com/docs/guides/batch, read 2026-12-06 through a copy of the page).
 */
export const OPENAI_BATCH_DISCOUNT = 0.5;

const STATES: Record<string, BatchState> = {
  validating: 'running',
  in_progress: 'running',
  finalizing: 'running',
  cancelling: 'running',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

// Pages of batches read while looking one up by key; bounded so a long history cannot stall us.
const MAX_PAGES = 20;

/** The online price with the batch discount, or undefined when the model has no price. */
export function openAIBatchPrice(price: InferencePrice | undefined): InferencePrice | undefined {
  return (
    price &&
    discountedPrice(
      price,
      OPENAI_BATCH_DISCOUNT,
      'Batch API 50% discount (platform.openai.com/docs/guides/batch)',
    )
  );
}

interface OutputLine {
  custom_id?: string;
  response?: {
    status_code?: number;
    body?: OpenAI.Chat.ChatCompletion & { error?: { code?: string; message?: string } };
  } | null;
  error?: { code?: string; message?: string } | null;
}

/** One line of an output or error file → an answer or a per-line error. */
export function parseOutputLine(text: string): BatchLineResult | undefined {
  let line: OutputLine;
  try {
    line = JSON.parse(text) as OutputLine;
  } catch {
    return undefined; // unreadable: its case counts as unanswered (online, or an error), never dropped
  }
  if (!line.custom_id) return undefined;
  const response = line.response;
  if (response && response.status_code === 200 && response.body?.choices) {
    const usage = response.body.usage;
    return {
      customId: line.custom_id,
      generation: {
        text: response.body.choices[0]?.message?.content ?? '',
        latencyMs: 0,
        ...(usage
          ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
          : {}),
      },
    };
  }
  const error = line.error ?? response?.body?.error;
  return {
    customId: line.custom_id,
    error: {
      code: error?.code ?? `HTTP_${response?.status_code ?? 'unknown'}`,
      message: error?.message ?? 'the batch service failed this request',
    },
  };
}

/**
 * The Batch API for one chat model: input JSONL uploaded with purpose `batch`,
 * `batches.create` on `/v1/chat/completions` with a 24 h window and the batch
 * key in `metadata`, status from `batches.retrieve`, answers from the output
 * and error files matched by `custom_id`. SDK retries are off: the eval runner
 * looks the key up before each create attempt.
 */
export function createOpenAIBatch(client: OpenAI, model: string, price?: InferencePrice): BatchCapability {
  const batchPrice = openAIBatchPrice(price);
  const refOf = (batch: OpenAI.Batches.Batch, key: string): BatchRef => ({ key, remoteId: batch.id });

  /** Streams a result file line by line: an output file can hold 50,000 answers. */
  async function* readFile(fileId: string, signal?: AbortSignal): AsyncIterable<BatchLineResult> {
    const response = await call(`read batch file ${fileId}`, () =>
      client.files.content(fileId, { signal, maxRetries: 0 }),
    );
    if (!response.body) return;
    const lines = createInterface({
      input: Readable.fromWeb(response.body as WebReadableStream),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const parsed = parseOutputLine(line);
      if (parsed) yield parsed;
    }
  }

  return {
    limits: OPENAI_BATCH_LIMITS,
    ...(batchPrice ? { price: batchPrice } : {}),

    encode(customId, request) {
      return JSON.stringify({
        custom_id: customId,
        method: 'POST',
        url: '/v1/chat/completions',
        body: chatCompletionBody(model, request),
      });
    },

    async submit(key, lines, signal) {
      const file = await call('upload the batch input file', async () =>
        client.files.create(
          {
            file: await toFile(Buffer.from(`${lines.join('\n')}\n`), `polytune-batch-${key}.jsonl`),
            purpose: 'batch',
          },
          { signal, maxRetries: 0 },
        ),
      );
      const batch = await call('create the batch', () =>
        client.batches.create(
          {
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            metadata: { [BATCH_KEY_METADATA]: key },
          },
          { signal, maxRetries: 0 },
        ),
      );
      return refOf(batch, key);
    },

    async find(key, signal) {
      return call('look up the batch by its key', async () => {
        // The list has no metadata filter: read the newest pages and match the tag.
        let page = await client.batches.list({ limit: 100 }, { signal });
        for (let n = 0; n < MAX_PAGES; n++) {
          const match = page.data.find((b) => b.metadata?.[BATCH_KEY_METADATA] === key);
          if (match) return refOf(match, key);
          if (!page.hasNextPage()) break;
          page = await page.getNextPage();
        }
        return undefined;
      });
    },

    async poll(ref, signal): Promise<BatchSnapshot> {
      const batch = await call(`read batch ${ref.remoteId}`, () =>
        client.batches.retrieve(ref.remoteId, { signal, maxRetries: 0 }),
      );
      const counts = batch.request_counts;
      const errors = batch.errors?.data?.map((e) => e.message).filter(Boolean);
      return {
        ref,
        // An unknown status is not terminal: keep polling.
        state: STATES[batch.status] ?? 'running',
        rawState: batch.status,
        counts: { total: counts?.total ?? 0, completed: counts?.completed ?? 0, failed: counts?.failed ?? 0 },
        ...(errors?.length ? { error: errors.join('; ') } : {}),
      };
    },

    async *read(ref, signal) {
      const batch = await call(`read batch ${ref.remoteId}`, () =>
        client.batches.retrieve(ref.remoteId, { signal, maxRetries: 0 }),
      );
      if (batch.output_file_id) yield* readFile(batch.output_file_id, signal);
      if (batch.error_file_id) yield* readFile(batch.error_file_id, signal);
    },
  };
}
