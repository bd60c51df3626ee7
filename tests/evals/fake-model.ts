import { PolytuneError } from '../../src/errors.js';
import type { GenerateRequest, Generation, Model } from '../../src/provider.js';

/** An in-memory Model: answers with `answer(request)`, records every call, can fail on demand. */
export function fakeModel(
  id: string,
  answer: (request: GenerateRequest, call: number) => string | Error | Promise<string | Error>,
  options: { price?: Model['price']; latencyMs?: number } = {},
) {
  const calls: GenerateRequest[] = [];
  const model: Model & { calls: GenerateRequest[] } = {
    id,
    provider: 'fake',
    calls,
    price: options.price,
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      calls.push(request);
      signal?.throwIfAborted();
      const result = await answer(request, calls.length);
      if (result instanceof Error) throw result;
      const text = typeof request.input === 'string' ? request.input : (request.input.at(-1)?.content ?? '');
      return {
        text: result,
        latencyMs: options.latencyMs ?? 10,
        usage: { inputTokens: Math.ceil(text.length / 4), outputTokens: Math.ceil(result.length / 4) },
      };
    },
  };
  return model;
}

export const rateLimited = (retryAfterMs: number) =>
  new PolytuneError('RATE_LIMIT', 'Too many requests.', { retryAfterMs });

/** The text of the last user message (or the string input). */
export const lastText = (request: GenerateRequest) =>
  typeof request.input === 'string'
    ? request.input
    : (request.input.filter((m) => m.role === 'user').at(-1)?.content ?? '');
