import { describe, expect, it } from 'vitest';
import { PolytuneError } from '../../src/errors.js';
import { parseRetryAfter, retryDelayMs, withRetry } from '../../src/retry.js';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('the retry policy', () => {
  it('honours Retry-After over backoff, capped at the maximum', () => {
    const limited = new PolytuneError('RATE_LIMIT', 'slow down', { retryAfterMs: 250 });
    expect(retryDelayMs(1, limited, policy)).toBe(250);
    const tooLong = new PolytuneError('RATE_LIMIT', 'slow down', { retryAfterMs: 60_000 });
    expect(retryDelayMs(1, tooLong, policy)).toBe(1_000);
  });

  it('backs off exponentially with jitter between half and all of the ceiling', () => {
    const error = new PolytuneError('PROVIDER', '503');
    expect(retryDelayMs(1, error, policy, () => 0)).toBe(50);
    expect(retryDelayMs(3, error, policy, () => 1)).toBe(400);
    expect(retryDelayMs(10, error, policy, () => 1)).toBe(1_000);
  });

  it('retries retryable errors a bounded number of times, never the others', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new PolytuneError('PROVIDER', 'down');
      },
      { ...policy, baseDelayMs: 1 },
    );
    await expect(failing).rejects.toThrow('down');
    expect(calls).toBe(4);

    calls = 0;
    const quota = withRetry(
      async () => {
        calls++;
        throw new PolytuneError('QUOTA', 'no money');
      },
      { ...policy, baseDelayMs: 1 },
    );
    await expect(quota).rejects.toThrow('no money');
    expect(calls).toBe(1);
  });

  it('parses Retry-After in seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    const inFiveSeconds = new Date(Date.now() + 5_000).toUTCString();
    expect(parseRetryAfter(new Headers({ 'retry-after': inFiveSeconds }))).toBeGreaterThan(3_000);
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});
