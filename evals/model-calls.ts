import { resolve } from 'node:path';
import type { GenerateRequest, Generation, Model } from '../src/provider.js';
import { type RetryPolicy, withRetry } from '../src/retry.js';
import { ResultCache } from './result-cache.js';
import { TokenBudget } from './token-budget.js';

export interface ModelCallsOptions {
  /** Cache folder, or false to bypass. @default '.polytune/eval-cache' */
  cache?: string | false;
  tokensPerMinute?: number;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export type OnRetry = (attempt: number, delayMs: number, error: unknown) => void;

/** A rough token count for the tokens-per-minute budget: 4 characters a token, plus the output cap. */
export function estimateTokens(request: GenerateRequest): number {
  const chars =
    typeof request.input === 'string'
      ? request.input.length
      : request.input.reduce((n, m) => n + (m.content?.length ?? 0) + 4, 0);
  return Math.ceil(chars / 4) + (request.maxTokens ?? 256);
}

/** USD of one call at the model's price; undefined when the model has no price or no usage. */
export function costOf(model: Model, usage: Generation['usage']): number | undefined {
  if (!model.price || !usage) return undefined;
  return (
    (usage.inputTokens * model.price.inputPer1M + usage.outputTokens * model.price.outputPer1M) / 1_000_000
  );
}

/**
 * Every model call of a run, the models under test and the judge alike: from
 * the disk cache, or through the tokens-per-minute budget and the one retry
 * policy (then cached).
 */
export class ModelCalls {
  private readonly cache: ResultCache | undefined;
  private readonly tokens: TokenBudget | undefined;

  constructor(private readonly options: ModelCallsOptions) {
    this.cache =
      options.cache === false ? undefined : new ResultCache(resolve(options.cache ?? '.polytune/eval-cache'));
    const sleep = options.sleep;
    this.tokens = options.tokensPerMinute
      ? new TokenBudget(options.tokensPerMinute, options.now, sleep ? (ms) => sleep(ms) : undefined)
      : undefined;
  }

  async generate(
    model: Model,
    request: GenerateRequest,
    signal: AbortSignal,
    onRetry?: OnRetry,
    tally: { attempts: number } = { attempts: 0 },
  ): Promise<{ generation: Generation; cached: boolean }> {
    const { cache } = this;
    const key = cache ? ResultCache.key(model.id, request) : '';
    if (cache) {
      const hit = await cache.get(key);
      if (hit) return { generation: hit, cached: true };
    }
    const generation = await withRetry(() => this.attempt(model, request, signal, tally), {
      ...this.options.retry,
      signal,
      random: this.options.random,
      sleep: this.options.sleep,
      onRetry: ({ attempt, delayMs, error }) => onRetry?.(attempt, delayMs, error),
    });
    if (cache) await cache.set(key, generation);
    return { generation, cached: false };
  }

  private async attempt(
    model: Model,
    request: GenerateRequest,
    signal: AbortSignal,
    tally: { attempts: number },
  ): Promise<Generation> {
    tally.attempts++;
    const settle = this.tokens ? await this.tokens.reserve(estimateTokens(request)) : undefined;
    try {
      const result = await model.generate(request, signal);
      settle?.(result.usage ? result.usage.inputTokens + result.usage.outputTokens : estimateTokens(request));
      return result;
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.cache?.close();
  }
}
