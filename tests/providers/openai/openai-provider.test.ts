import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider, type OpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { JobLedger } from '../../../src/jobs/job-ledger.js';
import type { JobRecord } from '../../../src/jobs/job-record.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { submitJob } from '../../../src/jobs/submit-job.js';
import { waitForJob } from '../../../src/jobs/wait-for-job.js';
import { loadOpenAPIContract } from '../../helpers/openapi-contract.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

const fake = new FakeOpenAI();
useTestServer(
  ...fakeOpenAIHandlers(fake),
  ...fakeOpenAIHandlers(fake, 'https://polytune-test.openai.azure.com/openai'),
);
const contract = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json');

const spec: JobSpec = {
  provider: 'openai',
  baseModel: 'gpt-4o-mini-2024-07-18',
  method: 'sft',
  hyperparameters: { epochs: 3, batchSize: 8, learningRateMultiplier: 0.5, seed: 7 },
  suffix: 'support-bot',
};

// A fixed day for the model calendar: more than 60 days before gpt-4o-mini stops taking jobs.
const TODAY = Date.parse('2026-09-01T00:00:00Z');
let data: PreparedData;
let ledgerDir: string;
let sleeps: number[];

function provider(settings: Parameters<typeof createOpenAIProvider>[0] = {}): OpenAIProvider {
  return createOpenAIProvider(
    {
      apiKey: 'sk-test-provider-key-1234567890',
      baseURL: FAKE_OPENAI_BASE,
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
      ...settings,
    },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      now: () => TODAY,
    },
  );
}

function creates() {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs');
}

beforeEach(async () => {
  fake.reset();
  sleeps = [];
  data = await writePreparedFixture();
  ledgerDir = await mkdtemp(join(tmpdir(), 'polytune-openai-'));
});
afterEach(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(ledgerDir, { recursive: true, force: true });
});

describe('request bodies match the OpenAI API description', () => {
  it('every body sent through a full job lifecycle validates against its operation schema', async () => {
    const p = provider();
    const ledger = new JobLedger({ dir: ledgerDir });
    const { ref } = await submitJob(p, spec, data, { ledger });
    fake.setState(ref.remoteId, 'running');
    await p.pause(ref);
    await p.resume(ref);
    fake.setState(ref.remoteId, 'succeeded');
    await p.checkpoints(ref);
    const model = await p.model(ref);
    await model.generate({
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      maxTokens: 20,
      temperature: 0,
      stop: ['\n'],
      seed: 1,
    });
    const dpoData = await writePreparedFixture({ kind: 'preference', variant: 'dpo' });
    await submitJob(p, { ...spec, method: 'dpo', hyperparameters: { beta: 0.1, epochs: 2 } }, dpoData, {
      ledger,
    });
    await rm(dpoData.dir, { recursive: true, force: true });
    await p.cancel(ref);

    const withBodies = fake.requests.filter((r) => r.body !== undefined);
    const operations = new Set(withBodies.map((r) => `${r.method} ${r.path.replace(/ftjob-\d+/, '{id}')}`));
    expect(operations).toEqual(new Set(['POST /files', 'POST /fine_tuning/jobs', 'POST /chat/completions']));
    for (const request of withBodies) {
      const result = contract.validateRequest(request.method, request.path, request.body);
      expect(result.errors, `${request.method} ${request.path} against ${result.schema}`).toEqual([]);
    }
  });

  it('the check fails on a body the API would reject (negative control)', () => {
    const bad = contract.validateRequest('POST', '/fine_tuning/jobs', {
      model: 'gpt-4o-mini',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } },
      metadata: { polytune_key: 42 },
    });
    expect(bad.ok).toBe(false);
    expect(bad.errors.join('\n')).toMatch(/training_file/);
    expect(bad.errors.join('\n')).toMatch(/n_epochs/);
    expect(bad.errors.join('\n')).toMatch(/polytune_key/);
    expect(contract.validateRequest('POST', '/files', { file: 'x.jsonl', purpose: 'fine-tuning' }).ok).toBe(
      false,
    );
  });

  it('sends method hyperparameters, suffix, seed, validation file and the job key in metadata', async () => {
    const p = provider();
    const ref = await p.submit(spec, data, { key: 'k0123456789abcdef' });
    const body = creates()[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'gpt-4o-mini-2024-07-18',
      suffix: 'support-bot',
      seed: 7,
      metadata: { polytune_key: 'k0123456789abcdef' },
      method: {
        type: 'supervised',
        supervised: { hyperparameters: { n_epochs: 3, batch_size: 8, learning_rate_multiplier: 0.5 } },
      },
    });
    expect(body).not.toHaveProperty('hyperparameters');
    const uploads = fake.requests.filter((r) => r.method === 'POST' && r.path === '/files');
    expect(uploads.map((u) => (u.body as { purpose: string }).purpose)).toEqual(['fine-tune', 'fine-tune']);
    const files = [...fake.files.values()];
    expect(body.training_file).toBe(files.find((f) => String(f.filename).endsWith('-train.jsonl'))?.id);
    expect(body.validation_file).toBe(
      files.find((f) => String(f.filename).endsWith('-validation.jsonl'))?.id,
    );
    expect(ref.remoteId).toMatch(/^ftjob-/);
  });
});

describe('uploads', () => {
  it('are deduplicated by content hash across jobs', async () => {
    const p = provider();
    await p.submit(spec, data, { key: 'keyone' });
    await p.submit({ ...spec, hyperparameters: { epochs: 5 } }, data, { key: 'keytwo' });
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/files')).toHaveLength(2);
    expect(fake.jobCount()).toBe(2);
  });

  it('wait until the file is processed before the job is created', async () => {
    fake.newFileStatus = 'uploaded';
    fake.processingPolls = 3;
    const p = provider({ filePollIntervalMs: 250 });
    await p.submit(spec, data, { key: 'keywait' });
    const order = fake.requests.map((r) => `${r.method} ${r.path.replace(/file-\d+/, '{id}')}`);
    expect(order.filter((o) => o === 'GET /files/{id}').length).toBeGreaterThanOrEqual(3);
    expect(order.lastIndexOf('GET /files/{id}')).toBeLessThan(order.indexOf('POST /fine_tuning/jobs'));
    expect(sleeps.every((ms) => ms === 250)).toBe(true);
  });

  it('report a file OpenAI could not process', async () => {
    fake.newFileStatus = 'uploaded';
    fake.processingPolls = 1;
    const p = provider();
    const original = fake.handle.bind(fake);
    fake.handle = async (request, path) => {
      const response = await original(request, path);
      if (request.method === 'GET' && /^\/files\/file-/.test(path) && response !== 'network-error') {
        const file = (await response.json()) as Record<string, unknown>;
        return Response.json({ ...file, status: 'error', status_details: 'Line 2 is not valid JSON.' });
      }
      return response;
    };
    try {
      await expect(p.submit(spec, data, { key: 'keybad' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('Line 2 is not valid JSON'),
      });
      expect(fake.jobCount()).toBe(0);
    } finally {
      fake.handle = original;
    }
  });
});

describe('crash and retry end with exactly one remote job and a re-attached record', () => {
  it('a crash after the create reached the server but before the ledger write', async () => {
    const p = provider();
    // The process "dies" right when it would record the remote id.
    class CrashingLedger extends JobLedger {
      override async update(key: string, change: (r: JobRecord) => JobRecord | undefined) {
        const next = await super.read(key);
        if (next && !next.remoteId && change(structuredClone(next))?.remoteId)
          throw new Error('process killed');
        return super.update(key, change);
      }
    }
    await expect(
      submitJob(p, spec, data, { ledger: new CrashingLedger({ dir: ledgerDir }) }),
    ).rejects.toThrow('process killed');
    expect(fake.jobCount()).toBe(1);
    const ledger = new JobLedger({ dir: ledgerDir });
    const again = await submitJob(p, spec, data, { ledger });
    expect(again.reattached).toBe(true);
    expect(fake.jobCount()).toBe(1);
    expect(creates()).toHaveLength(1);
    expect((await ledger.read(again.ref.key))?.remoteId).toBe([...fake.jobs.keys()][0]);
  });

  it('a connection lost after the server created the job: reconciled by key, not created again', async () => {
    fake.crashAfterCreate();
    const p = provider();
    const ledger = new JobLedger({ dir: ledgerDir });
    const result = await submitJob(p, spec, data, { ledger });
    expect(fake.jobCount()).toBe(1);
    expect(creates()).toHaveLength(1);
    expect((await ledger.read(result.ref.key))?.remoteId).toBe(result.ref.remoteId);
    // A re-run re-attaches from the ledger.
    expect((await submitJob(p, spec, data, { ledger })).reattached).toBe(true);
    expect(fake.jobCount()).toBe(1);
  });

  it('a 500 on create is retried after looking the key up', async () => {
    fake.faults.push({ kind: 'status', method: 'POST', path: '/fine_tuning/jobs', status: 500 });
    const p = provider();
    const ledger = new JobLedger({ dir: ledgerDir });
    const events: string[] = [];
    const result = await submitJob(p, spec, data, { ledger, onEvent: (e) => events.push(e.message) });
    expect(creates()).toHaveLength(2);
    expect(fake.jobCount()).toBe(1);
    const order = fake.requests.map((r) => `${r.method} ${r.path}`);
    const firstCreate = order.indexOf('POST /fine_tuning/jobs');
    const secondCreate = order.lastIndexOf('POST /fine_tuning/jobs');
    expect(order.slice(firstCreate + 1, secondCreate)).toContain('GET /fine_tuning/jobs');
    expect(events.some((m) => /Create attempt 1 failed/.test(m))).toBe(true);
    expect((await submitJob(p, spec, data, { ledger })).ref).toEqual(result.ref);
    expect(fake.jobCount()).toBe(1);
  });

  it('a 429 rate_limit_exceeded on create waits for Retry-After, then creates once', async () => {
    fake.faults.push({
      kind: 'status',
      method: 'POST',
      path: '/fine_tuning/jobs',
      status: 429,
      headers: { 'retry-after-ms': '3' },
    });
    const p = provider();
    await p.submit(spec, data, { key: 'keyrate' });
    expect(creates()).toHaveLength(2);
    expect(fake.jobCount()).toBe(1);
  });

  it('a 429 insufficient_quota is not retried and says so', async () => {
    fake.faults.push({
      kind: 'status',
      method: 'POST',
      path: '/fine_tuning/jobs',
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
          param: null,
        },
      },
    });
    const p = provider();
    await expect(p.submit(spec, data, { key: 'keyquota' })).rejects.toMatchObject({
      code: 'QUOTA',
      isRetryable: false,
      hint: expect.stringContaining('Billing'),
    });
    expect(creates()).toHaveLength(1);
    expect(fake.jobCount()).toBe(0);
  });
});

describe('errors', () => {
  it('401 is AUTH with a hint naming OPENAI_API_KEY', async () => {
    fake.faults.push({
      kind: 'status',
      method: 'GET',
      path: '/files',
      status: 401,
      body: {
        error: {
          message: 'Incorrect API key provided: sk-test-provider-key-1234567890',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    const error = await provider()
      .submit(spec, data, { key: 'keyauth' })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'AUTH', hint: expect.stringContaining('OPENAI_API_KEY') });
    expect(error.message).not.toContain('sk-test-provider-key');
  });

  it('403 on create explains the 2026 wind-down of self-serve fine-tuning', async () => {
    fake.faults.push({
      kind: 'status',
      method: 'POST',
      path: '/fine_tuning/jobs',
      status: 403,
      body: {
        error: {
          message: 'This organization does not have access to fine-tuning.',
          type: 'invalid_request_error',
          code: null,
        },
      },
    });
    await expect(provider().submit(spec, data, { key: 'keyperm' })).rejects.toMatchObject({
      code: 'PERMISSION',
      hint: expect.stringContaining('winding down'),
    });
    expect(fake.jobCount()).toBe(0);
  });

  it('a missing API key fails before any request with what to set', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const p = createOpenAIProvider({ baseURL: FAKE_OPENAI_BASE });
      await expect(p.find('x')).rejects.toMatchObject({
        code: 'AUTH',
        hint: expect.stringContaining('OPENAI_API_KEY'),
      });
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  it('bad settings fail with one clear error', () => {
    expect(() => createOpenAIProvider({ baseURL: 'not a url' } as never)).toThrow(/baseURL/);
    let error: unknown;
    try {
      createOpenAIProvider({ apikey: 'x' } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('apikey'),
      hint: expect.stringContaining('apiKey'),
    });
  });
});

describe('status, events, checkpoints, model', () => {
  it('maps statuses including pausing/paused, and keeps unknown ones non-terminal', async () => {
    const p = provider();
    const ref = await p.submit(spec, data, { key: 'keystates' });
    const seen: string[] = [];
    for (const raw of [
      'validating_files',
      'queued',
      'running',
      'pausing',
      'paused',
      'running',
      'succeeded',
    ]) {
      fake.setState(ref.remoteId, { raw });
      const s = await p.get(ref);
      seen.push(`${raw}:${s.state}`);
    }
    expect(seen).toEqual([
      'validating_files:validating',
      'queued:queued',
      'running:running',
      'pausing:running',
      'paused:running',
      'running:running',
      'succeeded:succeeded',
    ]);
    expect((await p.pause(ref)).rawState).toBe('paused');
    expect((await p.resume(ref)).rawState).toBe('running');
  });

  it('events come oldest first, metrics parsed, and `since` skips what was seen (across pages)', async () => {
    const p = provider();
    const ref = await p.submit(spec, data, { key: 'keyevents' });
    for (let i = 0; i < 120; i++)
      fake.addEvent(ref.remoteId, `step ${i}`, 'metrics', { step: i, train_loss: 1 / (i + 1) });
    const all = [];
    for await (const e of p.events(ref)) all.push(e);
    expect(all).toHaveLength(121);
    expect(all[0]?.message).toMatch(/Created fine-tuning job/);
    expect(all[120]).toMatchObject({ kind: 'metric', metrics: { step: 119 } });
    const rest = [];
    for await (const e of p.events(ref, all[115]?.id)) rest.push(e.message);
    expect(rest).toEqual(['step 115', 'step 116', 'step 117', 'step 118', 'step 119']);
  });

  it('lists checkpoints by step with their metrics', async () => {
    const p = provider();
    const ref = await p.submit(spec, data, { key: 'keyckpt' });
    const checkpoints = await p.checkpoints(ref);
    expect(checkpoints.map((c) => c.step)).toEqual([10, 20]);
    expect(checkpoints[0]?.metrics.train_loss).toBe(1);
  });

  it('waits to success through the jobs core and gives a Model with text, usage, latency and price', async () => {
    const p = provider();
    const ledger = new JobLedger({ dir: ledgerDir });
    const { ref } = await submitJob(p, spec, data, { ledger });
    const script = ['queued', 'running', 'succeeded'] as const;
    const final = await waitForJob(p, ref, {
      ledger,
      sleep: async () => {
        const next = script[0];
        if (next) fake.setState(ref.remoteId, next);
        (script as unknown as string[]).shift();
      },
    });
    expect(final.state).toBe('succeeded');
    expect(final.modelId).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    expect(final.cost).toMatchObject({ estimate: false, amount: (1440 / 1e6) * 3 });
    const record = await ledger.read(ref.key);
    expect(record?.costActual?.amount).toBe((1440 / 1e6) * 3);
    expect(record?.history.map((h) => h.rawState)).toEqual([
      'intent',
      'validating_files',
      'queued',
      'running',
      'succeeded',
    ]);

    const model = await p.model(ref);
    expect(model.id).toBe(`openai:${final.modelId}`);
    expect(model.price).toMatchObject({ inputPer1M: 0.3, outputPer1M: 1.2 });
    const out = await model.generate({ input: 'What is 2+2?' });
    expect(out).toMatchObject({ text: 'The answer is 4.', usage: { inputTokens: 12, outputTokens: 5 } });
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
    const chat = fake.requests.find((r) => r.path === '/chat/completions')?.body as Record<string, unknown>;
    expect(chat).toMatchObject({
      model: final.modelId,
      messages: [{ role: 'user', content: 'What is 2+2?' }],
    });
  });

  it('gives a Model for any model id, priced at the base model rate when known (unknown otherwise)', async () => {
    const model = await provider().model('openai:gpt-4o-mini');
    expect((await model.generate({ input: 'hi' })).text).toBe('The answer is 4.');
    expect(model.price).toMatchObject({ inputPer1M: 0.15, outputPer1M: 0.6, source: expect.any(String) });
    expect((await provider().model('openai:my-own-model')).price).toBeUndefined();
  });
});

describe('cost and validation', () => {
  const stats = (over: Partial<DatasetStats> = {}): DatasetStats => ({
    kind: 'chat',
    examples: { train: 100, validation: 10, test: 10, total: 120 },
    tokens: {
      tokenizer: 'o200k_base',
      approximate: false,
      train: { min: 10, p50: 100, p90: 200, max: 500, mean: 100, total: 2_000_000 },
    },
    ...over,
  });

  it('estimates tokens × epochs × the dated price, with its source', () => {
    const estimate = provider().price(spec, stats());
    expect(estimate).toMatchObject({
      amount: 18,
      estimate: true,
      date: expect.any(String),
      source: expect.stringContaining('openai.com'),
    });
    expect(estimate.basis).toBe('2.00M tokens × 3 epochs × $3.00/1M');
    const auto = provider().price({ ...spec, hyperparameters: {} }, stats());
    expect(auto.note).toMatch(/epochs auto: 3 assumed/);
  });

  it('takes user price overrides, and says when no price is known', () => {
    const p = provider({ prices: { 'gpt-4o-mini': { trainingPer1M: 1 } } });
    expect(p.price(spec, stats()).amount).toBe(6);
    expect(p.price(spec, stats()).source).toBe('user config');
    expect(() => provider().price({ ...spec, baseModel: 'my-custom-model' }, stats())).toThrow(
      /no OpenAI training price/,
    );
  });

  it('validates method, kind, size and unsupported hyperparameters', () => {
    const p = provider();
    const codes = (s: JobSpec, st = stats()) => p.validate(st, s).map((i) => `${i.severity}:${i.code}`);
    expect(codes(spec)).toEqual([]);
    expect(codes({ ...spec, method: 'dpo' })).toContain('error:KIND_MISMATCH');
    expect(codes({ ...spec, method: 'classification' })).toContain('error:UNSUPPORTED_METHOD');
    expect(codes(spec, stats({ examples: { train: 5, validation: 0, test: 0, total: 5 } }))).toContain(
      'error:TOO_FEW_EXAMPLES',
    );
    expect(codes({ ...spec, hyperparameters: { loraRank: 8, learningRate: 1e-4 } })).toEqual([
      'warning:IGNORED_HYPERPARAMETER',
      'warning:IGNORED_HYPERPARAMETER',
    ]);
  });
});

describe('Azure OpenAI', () => {
  it('goes through the SDK’s Azure client with api-key and api-version', async () => {
    const p = createOpenAIProvider(
      {
        apiKey: 'azure-test-key-123456',
        azure: { endpoint: 'https://polytune-test.openai.azure.com/', apiVersion: '2025-04-01-preview' },
      },
      { sleep: async () => {} },
    );
    const ref = await p.submit(spec, data, { key: 'keyazure' });
    expect(ref.remoteId).toMatch(/^ftjob-/);
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs');
    expect(create?.query['api-version']).toBe('2025-04-01-preview');
  });
});
