import { performance } from 'node:perf_hooks';
import type OpenAI from 'openai';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import type { GenerateRequest, Generation, Model } from '../../src/provider.js';
import { createOpenAIBatch } from './openai-batch.js';
import { chatCompletionBody } from './openai-chat-request.js';
import { call, requestInfo } from './openai-errors.js';
import { inferencePriceFor } from './openai-price-estimate.js';

/**
 * A Model over chat completions, for a fine-tuned model or any model id the
 * endpoint serves. No retries here: the eval runner owns the retry policy.
 */
export function createOpenAIModel(client: OpenAI, model: string, table: PriceTable, label = 'openai'): Model {
  const price = inferencePriceFor(table, model);
  return {
    id: `openai:${model}`,
    provider: 'openai',
    ...(price ? { price } : {}),
    batch: createOpenAIBatch(client, model, price),
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const started = performance.now();
      const completion = await call(
        `generate with ${model}`,
        () => client.chat.completions.create(chatCompletionBody(model, request), { signal, maxRetries: 0 }),
        requestInfo(client, label, 'POST', '/chat/completions'),
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
