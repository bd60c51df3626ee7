/**
 * The provider conformance suite: written once, run unchanged against every
 * provider (OpenAI, Vertex, SageMaker, local ONNX).
 *
 * How a provider plugs in — create `tests/conformance/<provider>.conformance.test.ts`:
 *
 *   import { describeProviderConformance } from './provider-conformance.js';
 *
 *   const fake = new FakeOpenAI();                     // your scriptable fake (implements ConformanceBackend)
 *   useTestServer(...fakeOpenAIHandlers(fake));        // msw, or a node:http server on 127.0.0.1
 *   describeProviderConformance('openai', async () => {
 *     fake.reset();
 *     const data = await writePreparedFixture();       // a prepared folder (tests/helpers/prepared-fixture.ts)
 *     return {
 *       provider: createOpenAIProvider({ apiKey: 'sk-test', baseURL: FAKE_OPENAI_BASE }, { sleep: async () => {} }),
 *       backend: fake,
 *       spec: { provider: 'openai', baseModel: 'gpt-4o-mini-2024-07-18', method: 'sft', hyperparameters: {} },
 *       data,
 *       cleanup: () => rm(data.dir, { recursive: true, force: true }),
 *     };
 *   });
 *
 * Worked examples: `openai.conformance.test.ts` (msw fake) and
 * `in-memory.conformance.test.ts` (the reference in-memory provider). Make the
 * provider's retry delays and polling sleeps injectable so the suite runs in
 * milliseconds; no test may sleep on the wall clock.
 *
 * `setup` runs before every test, so each test starts from an empty backend.
 * If the fake lives in msw, call `useTestServer(...)` at the top of the test
 * file (it registers its own hooks) and let `setup` reset the fake's state.
 *
 * The backend is the fake remote service, scripted by the suite:
 *  - `setState(remoteId, 'running')` moves a job the way the real service
 *    would (the fake picks its own raw status for each normalised state, e.g.
 *    OpenAI `running`, SageMaker `InProgress`/`Training`, Vertex `JOB_STATE_RUNNING`);
 *    `setState(remoteId, { raw: 'x' })` sets an arbitrary raw status.
 *  - `crashAfterCreate()` arms a one-shot fault: the next create request is
 *    applied on the server (the job exists and is billed) but the client never
 *    sees the answer (connection reset). The provider must not create twice.
 *  - `jobCount()` counts remote jobs, so "exactly one paid job" is checked
 *    against the server, not against what the client believes.
 *  - `cancelRequested(remoteId)` tells whether a cancel call reached the server.
 *  - `generationText` is what the fake model answers to any generate call.
 *  - `unknownRawStateSeenAs` (optional): when the provider's SDK cannot carry
 *    an unknown status string through (proto3 enums decode unknown values to
 *    their zero value, e.g. Vertex `JOB_STATE_UNSPECIFIED`), the raw status the
 *    provider is expected to report instead. It must still be non-terminal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal, JOB_STATES, type JobState } from '../../src/jobs/job-state.js';
import { submitJob } from '../../src/jobs/submit-job.js';
import { waitForJob } from '../../src/jobs/wait-for-job.js';
import type { JobEvent, JobRef, Provider } from '../../src/provider.js';

export type ScriptedState = 'queued' | 'validating' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ConformanceBackend {
  setState(remoteId: string, state: ScriptedState | { raw: string }): void | Promise<void>;
  crashAfterCreate(): void | Promise<void>;
  jobCount(): number | Promise<number>;
  cancelRequested(remoteId: string): boolean | Promise<boolean>;
  /** The text the fake model returns from every generate call. */
  generationText: string;
  /** The raw status reported for an unknown one, where the SDK cannot keep the string (see above). */
  unknownRawStateSeenAs?: string;
}

export interface ConformanceSetup {
  provider: Provider;
  backend: ConformanceBackend;
  spec: JobSpec;
  data: PreparedData;
  /** Runs after each test (stop servers, remove temp dirs). */
  cleanup?(): void | Promise<void>;
}

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const all: JobEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

let counter = 0;
/** A fresh key per test so fakes that persist across tests never re-attach by accident. */
function freshKey(name: string): string {
  counter += 1;
  return `conf${name.replace(/[^a-z0-9]/gi, '').toLowerCase()}${Date.now().toString(36)}${counter}`.slice(
    0,
    40,
  );
}

export function describeProviderConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`provider conformance: ${name}`, () => {
    let ctx: ConformanceSetup;

    beforeEach(async () => {
      ctx = await setup();
    });
    afterEach(async () => {
      await ctx?.cleanup?.();
    });

    async function submit(key = freshKey(name)): Promise<JobRef> {
      const ref = await ctx.provider.submit(ctx.spec, ctx.data, { key });
      expect(ref.provider).toBe(ctx.provider.id);
      expect(ref.key).toBe(key);
      expect(ref.remoteId).toBeTruthy();
      return ref;
    }

    it('declares an id and the methods it supports', () => {
      expect(ctx.provider.id).toBe(ctx.spec.provider);
      expect(ctx.provider.capabilities.methods).toContain(ctx.spec.method);
    });

    it('submits one remote job and reports it non-terminal at first', async () => {
      const ref = await submit();
      expect(await ctx.backend.jobCount()).toBe(1);
      const snapshot = await ctx.provider.get(ref);
      expect(snapshot.ref.remoteId).toBe(ref.remoteId);
      expect(JOB_STATES).toContain(snapshot.state);
      expect(isTerminal(snapshot.state)).toBe(false);
      expect(typeof snapshot.rawState).toBe('string');
    });

    it('follows the job through queued → running → succeeded', async () => {
      const ref = await submit();
      const seen: JobState[] = [];
      for (const state of ['queued', 'running', 'succeeded'] as const) {
        await ctx.backend.setState(ref.remoteId, state);
        seen.push((await ctx.provider.get(ref)).state);
      }
      expect(seen).toEqual(['queued', 'running', 'succeeded']);
      const done = await ctx.provider.get(ref);
      expect(done.modelId, 'a succeeded job names its tuned model').toBeTruthy();
    });

    it('reports a failed job as failed, with the reason', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, 'running');
      await ctx.backend.setState(ref.remoteId, 'failed');
      const snapshot = await ctx.provider.get(ref);
      expect(snapshot.state).toBe('failed');
      expect(snapshot.error?.message ?? snapshot.detail, 'a failed job says why').toBeTruthy();
    });

    it('maps an unknown raw status to a non-terminal state and keeps the raw string', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, { raw: 'some_status_from_2030' });
      const snapshot = await ctx.provider.get(ref);
      expect(snapshot.rawState).toBe(ctx.backend.unknownRawStateSeenAs ?? 'some_status_from_2030');
      expect(isTerminal(snapshot.state)).toBe(false);
    });

    it('re-attaches after a crash between create and the local record: exactly one remote job', async () => {
      const key = freshKey(name);
      await ctx.backend.crashAfterCreate();
      // The provider may recover inside submit (reconcile before retry) or fail; either is fine,
      // as long as the job exists only once and a second submit re-attaches to it.
      const first = await ctx.provider.submit(ctx.spec, ctx.data, { key }).catch(() => undefined);
      expect(await ctx.backend.jobCount()).toBe(1);
      const found = await ctx.provider.find(key);
      expect(found?.key).toBe(key);
      const second = await ctx.provider.submit(ctx.spec, ctx.data, { key });
      expect(second.remoteId).toBe(found?.remoteId);
      if (first) expect(first.remoteId).toBe(second.remoteId);
      expect(await ctx.backend.jobCount()).toBe(1);
    });

    it('submitting twice with the same key never creates a second job', async () => {
      const key = freshKey(name);
      const a = await submit(key);
      const b = await submit(key);
      expect(b.remoteId).toBe(a.remoteId);
      expect(await ctx.backend.jobCount()).toBe(1);
    });

    it('find() returns nothing for a key no job carries', async () => {
      expect(await ctx.provider.find(freshKey(`${name}none`))).toBeUndefined();
      expect(await ctx.backend.jobCount()).toBe(0);
    });

    it('cancels a running job', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, 'running');
      await ctx.provider.cancel(ref);
      expect(await ctx.backend.cancelRequested(ref.remoteId)).toBe(true);
      // Some services report cancelling first; the fake settles it the way the service would.
      const after = await ctx.provider.get(ref);
      if (after.state !== 'cancelled') {
        expect(isTerminal(after.state)).toBe(false);
        await ctx.backend.setState(ref.remoteId, 'cancelled');
      }
      expect((await ctx.provider.get(ref)).state).toBe('cancelled');
    });

    it('lists events oldest first with stable ids, and resumes after `since`', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, 'running');
      await ctx.backend.setState(ref.remoteId, 'succeeded');
      const events = await collect(ctx.provider.events(ref));
      expect(events.length).toBeGreaterThan(0);
      const ids = events.map((e) => e.id);
      expect(new Set(ids).size, 'event ids are unique').toBe(ids.length);
      for (const event of events) {
        expect(['state', 'metric', 'log']).toContain(event.kind);
        expect(['info', 'warn', 'error']).toContain(event.level);
        expect(Number.isNaN(Date.parse(event.at))).toBe(false);
      }
      const times = events.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      // Reading again gives the same ids; reading after the last gives nothing new.
      expect((await collect(ctx.provider.events(ref))).map((e) => e.id)).toEqual(ids);
      const lastId = ids[ids.length - 1] as string;
      const rest = await collect(ctx.provider.events(ref, lastId));
      expect(rest.map((e) => e.id).filter((id) => ids.includes(id))).toEqual([]);
    });

    it('gives a Model handle for a succeeded job that generates text with latency', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, 'running');
      await ctx.backend.setState(ref.remoteId, 'succeeded');
      const model = await ctx.provider.model(ref);
      expect(model.provider).toBe(ctx.provider.id);
      expect(model.id).toBeTruthy();
      const generation = await model.generate({ input: 'Hello', maxTokens: 16 });
      expect(generation.text).toBe(ctx.backend.generationText);
      expect(generation.latencyMs).toBeGreaterThanOrEqual(0);
      await model.close?.();
    });

    it('works with the jobs core: submitJob records and re-attaches, waitForJob reaches the end', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'polytune-conformance-'));
      try {
        const ledger = new JobLedger({ dir });
        const first = await submitJob(ctx.provider, ctx.spec, ctx.data, { ledger });
        const second = await submitJob(ctx.provider, ctx.spec, ctx.data, { ledger });
        expect(second.reattached).toBe(true);
        expect(second.ref).toEqual(first.ref);
        expect(await ctx.backend.jobCount()).toBe(1);
        const steps: ScriptedState[] = ['queued', 'running', 'succeeded'];
        let sleeps = 0;
        const final = await waitForJob(ctx.provider, first.ref, {
          ledger,
          sleep: async () => {
            sleeps += 1;
            if (sleeps > 10) throw new Error('the job never reached a terminal state');
            const next = steps.shift();
            if (next) await ctx.backend.setState(first.ref.remoteId, next);
          },
        });
        expect(final.state).toBe('succeeded');
        const record = await ledger.read(first.ref.key);
        expect(record?.remoteId).toBe(first.ref.remoteId);
        expect(record?.history[record.history.length - 1]?.state).toBe('succeeded');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a Model handle for a job that has not succeeded', async () => {
      const ref = await submit();
      await ctx.backend.setState(ref.remoteId, 'running');
      await expect(ctx.provider.model(ref)).rejects.toThrow();
    });
  });
}
