import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import { submitJob } from '../../src/jobs/submit-job.js';
import { nextPollInterval, waitForJob, watchJob } from '../../src/jobs/wait-for-job.js';
import type { JobEvent } from '../../src/provider.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { createInMemoryProvider } from './in-memory-provider.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-wait-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function submitted() {
  const provider = createInMemoryProvider();
  const ledger = new JobLedger({ dir });
  const data = await writePreparedFixture({ providers: ['memory'] });
  const { ref } = await submitJob(
    provider,
    { provider: 'memory', baseModel: 'b', method: 'sft', hyperparameters: {} },
    data,
    { ledger },
  );
  await rm(data.dir, { recursive: true, force: true });
  return { provider, ledger, ref };
}

describe('nextPollInterval', () => {
  const opts = { intervalMs: 1000, maxIntervalMs: 4000, backoff: 2, jitter: 0.2 };
  it('grows while nothing changes, caps, resets after a change, and jitters within ±jitter', () => {
    expect(nextPollInterval(1000, false, opts, () => 0.5)).toEqual({ base: 2000, sleepMs: 2000 });
    expect(nextPollInterval(4000, false, opts, () => 0.5).base).toBe(4000);
    expect(nextPollInterval(4000, true, opts, () => 0.5).base).toBe(1000);
    expect(nextPollInterval(1000, false, opts, () => 0).sleepMs).toBe(1600);
    expect(nextPollInterval(1000, false, opts, () => 1).sleepMs).toBe(2400);
  });
});

describe('waitForJob', () => {
  it('yields state changes and provider events, stops at the terminal state and records it', async () => {
    const { provider, ledger, ref } = await submitted();
    provider.backend.script = ['Q', 'R', 'R', 'R', 'OK'];
    const sleeps: number[] = [];
    const events: JobEvent[] = [];
    const final = await waitForJob(provider, ref, {
      ledger,
      intervalMs: 1000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      onEvent: (e) => events.push(e),
    });
    expect(final.state).toBe('succeeded');
    const states = events.filter((e) => e.kind === 'state' && e.id.startsWith('state:')).map((e) => e.state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    expect(events.some((e) => e.message === 'created')).toBe(true);
    // Interval grows while the job sits in `running` with nothing new.
    expect(sleeps.length).toBe(4);
    expect(sleeps[2]).toBeGreaterThan(sleeps[1] as number);
    const record = await ledger.read(ref.key);
    expect(record?.history.map((h) => h.rawState)).toEqual(['intent', 'Q', 'R', 'OK']);
    expect(record?.modelId).toBe('mem-model-mem-1');
  });

  it('keeps polling through an unknown raw status', async () => {
    const { provider, ref } = await submitted();
    provider.backend.script = ['R', 'brand_new_status', 'OK'];
    const final = await waitForJob(provider, ref, { sleep: async () => {}, providerEvents: false });
    expect(final.state).toBe('succeeded');
  });

  it('honours an AbortSignal while sleeping; the remote job is left alone', async () => {
    const { provider, ref } = await submitted();
    const controller = new AbortController();
    const waiting = waitForJob(provider, ref, {
      signal: controller.signal,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason));
          controller.abort();
        }),
    });
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(provider.backend.jobs.get(ref.remoteId)?.cancelRequested).toBe(false);
  });

  it('gives up after the timeout with a TIMEOUT error naming how to wait again', async () => {
    const { provider, ref } = await submitted();
    let clock = 0;
    const watcher = watchJob(provider, ref, {
      timeoutMs: 10_000,
      intervalMs: 3000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => 0.5,
    });
    const drain = async () => {
      for await (const _ of watcher) {
        // keep polling
      }
    };
    await expect(drain()).rejects.toMatchObject({
      code: 'TIMEOUT',
      hint: expect.stringContaining('jobs wait'),
    });
    expect(clock).toBe(10_000);
  });
});
