import { setTimeout as sleep } from 'node:timers/promises';
import { isPolytuneError, PolytuneError } from './errors.js';

/**
 * The one retry policy for the whole product: exponential backoff with full
 * jitter, capped, honouring a server's Retry-After when it gave one. Providers
 * and the eval runner all call `withRetry`; none has a retry loop of its own.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 4 */
  retries: number;
  /** Base delay for attempt 1, doubled each attempt. @default 500 */
  baseDelayMs: number;
  /** Upper bound on one delay, including a Retry-After. @default 30_000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface RetryOptions extends Partial<RetryPolicy> {
  signal?: AbortSignal;
  /** Decides whether an error is worth another attempt. @default PolytuneError.isRetryable */
  isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log or to reconcile before retrying a create. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void | Promise<void>;
  /** Source of randomness for jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Waits between attempts; injectable so tests need no real time. @default node:timers/promises setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function defaultIsRetryable(error: unknown): boolean {
  return isPolytuneError(error) ? error.isRetryable : false;
}

/** Delay before retry number `attempt` (1-based): Retry-After wins when present, else full jitter. */
export function retryDelayMs(
  attempt: number,
  error: unknown,
  policy: RetryPolicy,
  random = Math.random,
): number {
  const retryAfter = isPolytuneError(error) ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined && retryAfter >= 0) return Math.min(retryAfter, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy: RetryPolicy = {
    retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.retries || !isRetryable(error) || options.signal?.aborted) throw error;
      const delayMs = retryDelayMs(attempt + 1, error, policy, options.random);
      await options.onRetry?.({ attempt: attempt + 1, delayMs, error });
      const wait = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
      await wait(delayMs, options.signal).catch(() => {
        throw new PolytuneError('CANCELLED', 'Cancelled while waiting to retry.', { cause: error });
      });
    }
  }
}

/** Parses Retry-After (seconds or HTTP date) and retry-after-ms headers into milliseconds. */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
