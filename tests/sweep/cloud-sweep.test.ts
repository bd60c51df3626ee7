import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';
import { createVertexProvider } from '../../providers/vertex/vertex-provider.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import type { Provider } from '../../src/provider.js';
import { type RunSweepOptions, runSweep } from '../../sweep/run-sweep.js';
import type { SweepEvent } from '../../sweep/sweep-events.js';
import { parseSweep } from '../../sweep/sweep-loader.js';
import { planSweep } from '../../sweep/sweep-plan.js';
import type { SweepInput } from '../../sweep/sweep-schema.js';
import { checkRequestAgainstDiscovery } from '../helpers/discovery-contract.js';
import { loadOpenAPIContract } from '../helpers/openapi-contract.js';
import { useTestServer } from '../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from '../providers/openai/fake-openai.js';
import {
  BUCKET,
  createFakeVertex,
  type FakeVertex,
  PROJECT,
  testAuthClient,
} from '../providers/vertex/fake-vertex.js';
import { writeChatFixture } from './chat-fixture.js';

/**
 * A sweep over OpenAI and Vertex AI trials through the real SDKs against the
 * msw fakes: the budget stops new trials once actual spend plus committed
 * estimates would pass the cap, a re-run after a crash re-attaches instead of
 * creating again, and trials without a known price are refused.
 */
const openai = new FakeOpenAI();
const server = useTestServer(...fakeOpenAIHandlers(openai));
const contract = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json');
let vertex: FakeVertex;
let data: PreparedData;
let dir: string;

// Test prices, large enough to read: OpenAI bills 1,440 trained tokens a job in the fake ($1.44 at
// $1,000/1M) against an estimate of 480 tokens × epochs; Vertex bills 48,000 tokens × epochs.
const OPENAI_MODEL = 'gpt-4o-mini-2024-07-18';
const openaiPrices = { [OPENAI_MODEL]: { trainingPer1M: 1000, source: 'test', date: '2026-12-06' } };
const vertexPrices = { 'gemini-2.5-flash': { trainingPer1M: 1, source: 'test', date: '2026-12-06' } };

/** A new process: fresh providers over the same ledger folder. */
function providers(): (id: string) => Promise<Provider> {
  const built: Record<string, Provider> = {
    openai: createOpenAIProvider(
      { apiKey: 'sk-test-sweep-key-1234567890', baseURL: FAKE_OPENAI_BASE, prices: openaiPrices },
      // The model calendar is read at a fixed date, so the test does not expire with the model.
      { sleep: async () => {}, now: () => Date.parse('2026-12-06T00:00:00Z') },
    ),
    vertex: createVertexProvider({
      project: PROJECT,
      location: 'us-central1',
      bucket: BUCKET,
      authClient: testAuthClient(),
      prices: vertexPrices,
      retry: { retries: 2, baseDelayMs: 1, sleep: async () => {} },
    }),
  };
  return async (id) => built[id] as Provider;
}

/** The fakes finish every job as soon as the sweep has submitted it (a running job first, on Vertex, so it bills). */
function finishOnSubmit(event: SweepEvent): void {
  if (event.type !== 'trial-submitted' || event.reattached) return;
  if (event.ref.provider === 'openai') openai.setState(event.ref.remoteId, 'succeeded');
  else {
    vertex.setRaw(event.ref.remoteId, 'JOB_STATE_RUNNING');
    vertex.setRaw(event.ref.remoteId, 'JOB_STATE_SUCCEEDED');
  }
}

function sweepOf(input: Partial<SweepInput>) {
  return parseSweep({
    name: 'cloud',
    data: data.dir,
    suite: 'suite.yaml',
    trials: [],
    budget: { usd: 100 },
    order: 'file',
    ...input,
  });
}

function options(extra: Partial<RunSweepOptions> = {}): RunSweepOptions {
  return {
    providers: providers(),
    data,
    suite: parseSuite({ name: 'chat', sources: [{ heldout: data.dir }] }, dir),
    ledger: new JobLedger({ dir: join(dir, 'ledger') }),
    out: join(dir, 'out'),
    wait: { sleep: async () => {}, jitter: 0 },
    eval: { cache: false, concurrency: 2 },
    onEvent: finishOnSubmit,
    ...extra,
  };
}

const openaiCreates = () =>
  openai.requests.filter((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs');
const vertexCreates = () =>
  server.captured.filter((r) => r.method === 'POST' && /\/tuningJobs$/.test(new URL(r.url).pathname));

beforeEach(async () => {
  openai.reset();
  vertex = createFakeVertex();
  server.use(...vertex.handlers);
  dir = await mkdtemp(join(tmpdir(), 'polytune-sweep-cloud-'));
  data = await writeChatFixture({ providers: ['openai', 'vertex'] });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(data.dir, { recursive: true, force: true });
});

// Training and judging on 2 shared cores: allow well over vitest's 60 s default under load.
const SLOW = 240_000;

describe('sweep over OpenAI and Vertex AI under a budget', () => {
  it(
    'stops submitting once actual spend plus committed estimates would pass the cap',
    async () => {
      const sweep = sweepOf({
        trials: [
          { provider: 'openai', baseModel: OPENAI_MODEL, grid: { epochs: [1, 2, 3] } },
          { provider: 'vertex', baseModel: 'gemini-2.5-flash', grid: { epochs: [1, 2] } },
        ],
        budget: { usd: 3 },
      });
      // Planned on estimates: $0.48 + $0.96 + $1.44 (OpenAI) + $0.00144 (Vertex), within $3.
      const plan = await planSweep(sweep, { providers: providers(), data });
      expect(plan.trials.map((t) => t.status)).toEqual([
        'planned',
        'planned',
        'planned',
        'planned',
        'planned',
      ]);
      expect(plan.total).toBeCloseTo(2.88 + 0.00048 + 0.00096, 6);

      const events: SweepEvent[] = [];
      const report = await runSweep(
        sweep,
        options({
          onEvent: (e) => {
            finishOnSubmit(e);
            events.push(e);
          },
        }),
      );
      // Each OpenAI job really bills $1.44: after two, $2.88 + the third's $1.44 estimate passes $3.
      const byId = Object.fromEntries(report.trials.map((t) => [t.id, t]));
      expect(byId['openai-1']?.cost).toEqual({ amount: 1.44, actual: true });
      expect(byId['openai-2']?.status).toBe('evaluated');
      expect(byId['openai-3']?.status).toBe('skipped-budget');
      expect(byId['openai-3']?.reason).toMatch(/would pass the \$3\.00 cap/);
      expect(byId['vertex-1']?.status).toBe('evaluated');
      expect(byId['vertex-2']?.cost).toEqual({ amount: 0.096, actual: true });
      expect(openaiCreates()).toHaveLength(2);
      expect(vertexCreates()).toHaveLength(2);
      expect(report.budget.spent).toBeCloseTo(1.44 * 2 + 0.048 + 0.096, 6);
      // No trial ever started while spent + committed + its estimate exceeded the cap.
      for (const e of events)
        if (e.type === 'trial-done') expect(e.spent + e.committed).toBeLessThanOrEqual(3.2);

      // The hyperparameters reach each provider, in bodies the official API descriptions accept.
      expect(
        openaiCreates().map(
          (r) =>
            (r.body as { method: { supervised: { hyperparameters: { n_epochs: number } } } }).method
              .supervised.hyperparameters.n_epochs,
        ),
      ).toEqual([1, 2]);
      for (const r of openaiCreates())
        expect(contract.validateRequest('POST', r.path, r.body).errors).toEqual([]);
      for (const r of vertexCreates()) expect(checkRequestAgainstDiscovery(r).errors).toEqual([]);
      expect(
        vertexCreates().map((r) => JSON.parse(r.body).supervisedTuningSpec.hyperParameters.epochCount),
      ).toEqual(['1', '2']);
      // A winner was chosen on validation and scored once on test.
      expect(report.winner?.test.summary.n).toBe(3);
    },
    SLOW,
  );

  it(
    'a crash between trials, then a re-run: finished and running trials re-attach, none is created twice',
    async () => {
      const sweep = sweepOf({
        trials: [{ provider: 'openai', baseModel: OPENAI_MODEL, grid: { epochs: [1, 2, 3] } }],
      });
      const crash = new AbortController();
      await expect(
        runSweep(
          sweep,
          options({
            signal: crash.signal,
            onEvent: (e) => {
              finishOnSubmit(e);
              if (e.type === 'trial-done' && e.trial === 'openai-1') crash.abort(new Error('process killed'));
            },
          }),
        ),
      ).rejects.toThrow();
      expect(openaiCreates()).toHaveLength(1);

      const events: SweepEvent[] = [];
      const report = await runSweep(
        sweep,
        options({
          onEvent: (e) => {
            finishOnSubmit(e);
            events.push(e);
          },
        }),
      );
      const submitted = events.flatMap((e) =>
        e.type === 'trial-submitted' ? [[e.trial, e.reattached]] : [],
      );
      expect(submitted).toEqual([
        ['openai-1', true],
        ['openai-2', false],
        ['openai-3', false],
      ]);
      expect(openaiCreates()).toHaveLength(3);
      expect(report.trials.every((t) => t.status === 'evaluated')).toBe(true);
    },
    SLOW,
  );

  it(
    'refuses trials without a known price unless allowed, and sends nothing for them',
    async () => {
      const sweep = sweepOf({
        trials: [
          { provider: 'openai', baseModel: OPENAI_MODEL, grid: { epochs: [1] } },
          { provider: 'vertex', baseModel: 'gemini-3.5-flash', grid: { epochs: [1] } },
        ],
      });
      const plan = await planSweep(sweep, { providers: providers(), data });
      const unpriced = plan.trials.find((t) => t.provider === 'vertex');
      expect(unpriced?.status).toBe('refused-unpriced');
      expect(unpriced?.reason).toMatch(
        /No Vertex AI tuning price is known for gemini-3\.5-flash.*--allow-unpriced/,
      );

      const report = await runSweep(sweep, options());
      expect(report.trials.map((t) => [t.id, t.status])).toEqual([
        ['openai-1', 'evaluated'],
        ['vertex-1', 'refused-unpriced'],
      ]);
      expect(vertexCreates()).toHaveLength(0);
      expect(vertex.uploads).toEqual([]);

      const allowed = await planSweep(sweep, { providers: providers(), data, allowUnpriced: true });
      expect(allowed.trials.map((t) => t.status)).toEqual(['planned', 'planned']);
      expect(allowed.unpriced).toBe(1);
    },
    SLOW,
  );
});
