import { setTimeout as delay } from 'node:timers/promises';
import { PolytuneError } from '../errors.js';
import type { JobEvent, JobRef, JobSnapshot, Provider } from '../provider.js';
import { withRetry } from '../retry.js';
import type { JobLedger } from './job-ledger.js';
import { isTerminal } from './job-state.js';

export interface WatchJobOptions {
  /** When given, every state change and the final snapshot are recorded. */
  ledger?: JobLedger;
  signal?: AbortSignal;
  /** Stop waiting (the job keeps running) after this long. @default no limit */
  timeoutMs?: number;
  /** First poll interval, and the interval right after a change. @default 5000 */
  intervalMs?: number;
  /** Cap on the interval while nothing changes. @default 60000 */
  maxIntervalMs?: number;
  /** Factor the interval grows by after a poll that saw nothing new. @default 1.5 */
  backoff?: number;
  /** Fraction of the interval added or removed at random, so many waiters do not poll in step. @default 0.2 */
  jitter?: number;
  /** Also yield the provider's own events (logs, metrics). @default true */
  providerEvents?: boolean;
  /** An event id already seen; provider events up to it are skipped. */
  since?: string;
  /** Injectable for tests. @default node:timers/promises setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable clock in milliseconds. @default Date.now */
  now?: () => number;
  random?: () => number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

/** The poll interval after one poll: reset after a change, grown (capped) otherwise, then jittered. */
export function nextPollInterval(
  current: number,
  changed: boolean,
  options: { intervalMs: number; maxIntervalMs: number; backoff: number; jitter: number },
  random: () => number = Math.random,
): { base: number; sleepMs: number } {
  const base = changed ? options.intervalMs : Math.min(options.maxIntervalMs, current * options.backoff);
  const spread = base * options.jitter;
  return { base, sleepMs: Math.max(0, Math.round(base - spread + random() * 2 * spread)) };
}

/**
 * Polls a job until it reaches a terminal state, yielding normalised events:
 * one `state` event per change of state or raw status, and the provider's own
 * events in between. Returns the final snapshot. Aborting or timing out stops
 * the waiting only; the remote job keeps running.
 */
export async function* watchJob(
  provider: Provider,
  ref: JobRef,
  options: WatchJobOptions = {},
): AsyncGenerator<JobEvent, JobSnapshot> {
  const intervals = {
    intervalMs: options.intervalMs ?? 5000,
    maxIntervalMs: options.maxIntervalMs ?? 60_000,
    backoff: options.backoff ?? 1.5,
    jitter: options.jitter ?? 0.2,
  };
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const started = now();
  const seen = new Set<string>();
  let since = options.since;
  let lastState: string | undefined;
  let interval = intervals.intervalMs;
  let polls = 0;

  for (;;) {
    options.signal?.throwIfAborted();
    const snapshot = await withRetry(() => provider.get(ref), { signal: options.signal, retries: 3 });
    polls += 1;
    let changed = false;
    const stateKey = `${snapshot.state}/${snapshot.rawState}`;
    if (stateKey !== lastState) {
      changed = true;
      lastState = stateKey;
      if (options.ledger) await options.ledger.recordSnapshot(ref.key, snapshot);
      yield {
        id: `state:${polls}:${snapshot.rawState}`,
        at: new Date(now()).toISOString(),
        kind: 'state',
        level: snapshot.state === 'failed' ? 'error' : 'info',
        message: stateMessage(snapshot),
        state: snapshot.state,
        ...(snapshot.metrics ? { metrics: snapshot.metrics } : {}),
      };
    }
    if (options.providerEvents ?? true) {
      for await (const event of provider.events(ref, since)) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        since = event.id;
        changed = true;
        yield event;
      }
    }
    if (isTerminal(snapshot.state)) {
      if (options.ledger) await options.ledger.recordSnapshot(ref.key, snapshot);
      return snapshot;
    }

    const next = nextPollInterval(interval, changed, intervals, random);
    interval = next.base;
    let sleepMs = next.sleepMs;
    if (options.timeoutMs !== undefined) {
      const left = options.timeoutMs - (now() - started);
      if (left <= 0) {
        throw new PolytuneError(
          'TIMEOUT',
          `Stopped waiting for ${ref.provider} job ${ref.remoteId} after ${Math.round(options.timeoutMs / 1000)} s; it is still ${snapshot.state} (${snapshot.rawState}).`,
          {
            hint: `The job keeps running. Run \`polytune jobs wait ${ref.key.slice(0, 12)}\` to wait again.`,
            isRetryable: false,
          },
        );
      }
      sleepMs = Math.min(sleepMs, left);
    }
    try {
      await sleep(sleepMs, options.signal);
    } catch (error) {
      throw new PolytuneError('CANCELLED', `Stopped waiting for ${ref.provider} job ${ref.remoteId}.`, {
        hint: `The job keeps running. \`polytune jobs cancel ${ref.key.slice(0, 12)}\` cancels it.`,
        cause: error,
      });
    }
  }
}

/** Waits for a terminal state, passing each event to `onEvent`; resolves with the final snapshot. */
export async function waitForJob(
  provider: Provider,
  ref: JobRef,
  options: WatchJobOptions & { onEvent?(event: JobEvent): void } = {},
): Promise<JobSnapshot> {
  const watcher = watchJob(provider, ref, options);
  for (;;) {
    const step = await watcher.next();
    if (step.done) return step.value;
    options.onEvent?.(step.value);
  }
}

function stateMessage(snapshot: JobSnapshot): string {
  const parts = [`${snapshot.state} (${snapshot.rawState})`];
  if (snapshot.detail) parts.push(snapshot.detail);
  if (snapshot.modelId) parts.push(`model ${snapshot.modelId}`);
  if (snapshot.error) parts.push(`error: ${snapshot.error.message}`);
  return parts.join(' — ');
}
