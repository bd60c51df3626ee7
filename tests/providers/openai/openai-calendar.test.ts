import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { JobLedger } from '../../../src/jobs/job-ledger.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { submitJob } from '../../../src/jobs/submit-job.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

const fake = new FakeOpenAI();
const server = useTestServer(...fakeOpenAIHandlers(fake));

const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
const stats: DatasetStats = {
  kind: 'chat',
  examples: { train: 100, validation: 10, test: 10, total: 120 },
  tokens: {
    tokenizer: 'o200k_base',
    approximate: false,
    train: { min: 10, p50: 100, p90: 200, max: 500, mean: 100, total: 200_000 },
  },
};
const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  provider: 'openai',
  baseModel: 'gpt-4o-mini-2024-07-18',
  method: 'sft',
  hyperparameters: { epochs: 2 },
  ...over,
});
const provider = (today: string, settings: Parameters<typeof createOpenAIProvider>[0] = {}) =>
  createOpenAIProvider(
    { apiKey: 'sk-test-calendar-key-0000', baseURL: FAKE_OPENAI_BASE, ...settings },
    { now: () => day(today), sleep: async () => {} },
  );
const issues = (p: ReturnType<typeof provider>, s: JobSpec) =>
  p.validate(stats, s).map((i) => `${i.severity}:${i.code}`);

let data: PreparedData;
let ledgerDir: string;
beforeEach(async () => {
  fake.reset();
  data = await writePreparedFixture();
  ledgerDir = await mkdtemp(join(tmpdir(), 'polytune-calendar-'));
});
afterEach(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(ledgerDir, { recursive: true, force: true });
});

describe('the OpenAI model calendar', () => {
  it('refuses a model past its shutdown, with a hint to Azure or another provider', () => {
    const p = provider('2026-12-06');
    const found = p.validate(stats, spec({ baseModel: 'gpt-4.1-nano-2025-04-14' }));
    expect(found.map((i) => `${i.severity}:${i.code}`)).toContain('error:MODEL_RETIRED');
    expect(found.find((i) => i.code === 'MODEL_RETIRED')?.message).toMatch(/2026-10-23.*Azure OpenAI/s);
    expect(issues(p, spec({ baseModel: 'gpt-3.5-turbo' }))).toContain('error:MODEL_RETIRED');
    // The same model was fine the day before its shutdown.
    expect(issues(provider('2026-10-22'), spec({ baseModel: 'gpt-4.1-nano-2025-04-14' }))).not.toContain(
      'error:MODEL_RETIRED',
    );
  });

  it('warns within 60 days of the last day for new jobs, naming the date; not earlier', () => {
    const p = provider('2026-12-06');
    const found = p.validate(stats, spec());
    expect(found.map((i) => `${i.severity}:${i.code}`)).toEqual(['warning:MODEL_RETIRING']);
    expect(found[0]?.message).toMatch(/until 2027-01-06.*shut down 2027-01-14/);
    expect(issues(provider('2026-10-01'), spec())).toEqual([]);
    expect(issues(provider('2027-01-07'), spec())).toContain('error:MODEL_RETIRED');
  });

  it('refuses a model it does not list, and a method the model does not take', () => {
    const p = provider('2026-09-01');
    expect(issues(p, spec({ baseModel: 'gpt-5-mini' }))).toContain('error:NOT_FINE_TUNABLE');
    expect(
      issues(p, spec({ method: 'reinforcement', extra: { grader: { type: 'string_check' } } })),
    ).toContain('error:METHOD_NOT_AVAILABLE');
  });

  it('takes overrides from config when OpenAI changes its plans (validated)', () => {
    const p = provider('2027-02-01', {
      calendar: [{ id: 'gpt-4o-mini-2024-07-18', methods: ['sft'], newJobsUntil: '2027-06-30' }],
    });
    expect(issues(p, spec())).toEqual([]);
    expect(() =>
      provider('2027-02-01', { calendar: [{ id: 'x', methods: [], shutdownAt: '30/06/2027' }] }),
    ).toThrow(/Invalid OpenAI provider settings/);
  });

  it('is only a warning on a compatible endpoint, and off on Azure', () => {
    const compatible = createOpenAIProvider(
      { apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' },
      { now: () => day('2026-12-06') },
    );
    expect(issues(compatible, spec({ baseModel: 'llama-3-8b' }))).toEqual(['warning:NOT_FINE_TUNABLE']);
    const azure = createOpenAIProvider(
      { apiKey: 'k', azure: { endpoint: 'https://x.openai.azure.com/' } },
      { now: () => day('2026-12-06') },
    );
    expect(issues(azure, spec({ baseModel: 'gpt-4.1-nano-2025-04-14' }))).toEqual([]);
  });

  it('submitJob refuses a retired model before any request reaches the server', async () => {
    const ledger = new JobLedger({ dir: ledgerDir });
    await expect(
      submitJob(provider('2026-12-06'), spec({ baseModel: 'gpt-4.1-nano-2025-04-14' }), data, { ledger }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/MODEL_RETIRED/) });
    expect(server.captured).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it('the provider’s own submit checks too, before any upload or look-up', async () => {
    await expect(
      provider('2026-12-06').submit(spec({ baseModel: 'gpt-3.5-turbo' }), data, { key: 'k-direct' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/MODEL_RETIRED/) });
    expect(server.captured).toEqual([]);
  });

  it('lists what can be fine-tuned today, with source and date', async () => {
    const listed = (await provider('2026-12-06').listTunableModels?.()) ?? [];
    const ids = listed.map((m) => m.id);
    expect(ids).toContain('gpt-4o-mini-2024-07-18');
    expect(ids).not.toContain('gpt-4.1-nano-2025-04-14');
    expect(ids).not.toContain('o4-mini-2025-04-16');
    expect(listed.find((m) => m.id === 'gpt-4.1-2025-04-14')).toMatchObject({
      source: 'calendar',
      sourceUrl: expect.stringContaining('developers.openai.com'),
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      shutdownAt: '2027-01-06',
      methods: ['sft', 'dpo'],
    });
    expect(await provider('2027-01-20').listTunableModels?.()).toEqual([]);
  });
});

describe('the fake refuses what the service refuses', () => {
  it('a retired model, a model that cannot be fine-tuned, an unknown field', async () => {
    const client = provider('2026-09-01').client();
    const create = (body: Record<string, unknown>) =>
      client.fineTuning.jobs.create({ model: 'gpt-4o-mini', training_file: 'file-1', ...body } as never);
    await expect(create({ model: 'gpt-3.5-turbo' })).rejects.toMatchObject({ status: 400 });
    await expect(create({ model: 'gpt-5-mini' })).rejects.toMatchObject({ status: 400 });
    await expect(create({ n_epoch: 3 })).rejects.toMatchObject({ status: 400 });
    await expect(create({})).resolves.toMatchObject({ model: 'gpt-4o-mini' });
  });
});
