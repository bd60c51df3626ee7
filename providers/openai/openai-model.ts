import { performance } from 'node:perf_hooks';
import type OpenAI from 'openai';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { lookupPrice } from '../../src/cost/cost-estimate.js';
import type { GenerateRequest, Generation, InferencePrice, Model } from '../../src/provider.js';
import { createOpenAIBatch } from './openai-batch.js';
import { call } from './openai-errors.js';

/** `ft:gpt-4o-mini-2024-07-18:acme::abc123` → `gpt-4o-mini-2024-07-18`; other ids unchanged. */
export function baseModelOf(model: string): string {
  return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
}

/** Inference price of a fine-tuned model (the table holds fine-tuned rates, keyed by base model). */
export function inferencePriceFor(table: PriceTable, model: string): InferencePrice | undefined {
  if (!model.startsWith('ft:')) return undefined;
  const entry = lookupPrice(table, baseModelOf(model));
  if (entry?.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return {
    inputPer1M: entry.inputPer1M,
    outputPer1M: entry.outputPer1M,
    source: entry.source,
    date: entry.date,
  };
}

/**
 * A Model over chat completions, for a fine-tuned model or any model id the
 * endpoint serves. No retries here: the eval runner owns the retry policy.
 */
export function createOpenAIModel(client: OpenAI, model: string, table: PriceTable): Model {
  const price = inferencePriceFor(table, model);
  return {
    id: `openai:${model}`,
    provider: 'openai',
    ...(price ? { price } : {}),
    batch: createOpenAIBatch(client, model, price),
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] =
        typeof request.input === 'string'
          ? [{ role: 'user', content: request.input }]
          : (request.input.map((m) => ({ ...m })) as OpenAI.Chat.ChatCompletionMessageParam[]);
      const started = performance.now();
      const completion = await call(`generate with ${model}`, () =>
        client.chat.completions.create(
          {
            model,
            messages,
            ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.topP !== undefined ? { top_p: request.topP } : {}),
            ...(request.stop?.length ? { stop: request.stop } : {}),
            ...(request.seed !== undefined ? { seed: request.seed } : {}),
          },
          { signal, maxRetries: 0 },
        ),
      );
      const latencyMs = performance.now() - started;
      const usage = completion.usage;
      return {
        text: completion.choices[0]?.message?.content ?? '',
        latencyMs,
        ...(usage
          ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
          : {}),
      };
    },
  };
}
