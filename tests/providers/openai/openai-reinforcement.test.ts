import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { loadOpenAPIContract } from '../../helpers/openapi-contract.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

const fake = new FakeOpenAI();
useTestServer(...fakeOpenAIHandlers(fake));
const contract = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json');

// Reinforcement ran on o4-mini until its shutdown (2026-10-23): the day the calendar still allows it.
const BEFORE_SHUTDOWN = Date.parse('2026-09-01T00:00:00Z');
const grader = {
  type: 'string_check',
  name: 'exact label',
  input: '{{sample.output_text}}',
  reference: '{{item.label}}',
  operation: 'eq',
};
const rft: JobSpec = {
  provider: 'openai',
  baseModel: 'o4-mini-2025-04-16',
  method: 'reinforcement',
  hyperparameters: { epochs: 1 },
  providerHyperparameters: { reasoning_effort: 'low', compute_multiplier: 0.5, eval_interval: 'auto' },
  extra: { grader },
};
const stats: DatasetStats = {
  kind: 'chat',
  examples: { train: 100, validation: 10, test: 10, total: 120 },
  tokens: {
    tokenizer: 'o200k_base',
    approximate: false,
    train: { min: 1, p50: 1, p90: 1, max: 10, mean: 1, total: 1000 },
  },
};
const provider = (now = BEFORE_SHUTDOWN) =>
  createOpenAIProvider(
    { apiKey: 'sk-test-rft-key-000000', baseURL: FAKE_OPENAI_BASE, retry: { retries: 0 } },
    { now: () => now, sleep: async () => {} },
  );

let data: PreparedData;
beforeEach(async () => {
  fake.reset();
  fake.shutDown.clear(); // the fake as the service was before the shutdown
  data = await writePreparedFixture();
});
afterEach(() => rm(data.dir, { recursive: true, force: true }));

describe('reinforcement fine-tuning', () => {
  it('sends method.reinforcement with the grader and hyperparameters; the body validates against CreateFineTuningJobRequest', async () => {
    const p = provider();
    expect(p.validate(stats, rft).filter((i) => i.severity === 'error')).toEqual([]);
    await p.submit(rft, data, { key: 'krft' });
    const body = fake.requests.find((r) => r.method === 'POST' && r.path === '/fine_tuning/jobs')?.body;
    expect(body).toMatchObject({
      model: 'o4-mini-2025-04-16',
      method: {
        type: 'reinforcement',
        reinforcement: {
          grader,
          hyperparameters: {
            n_epochs: 1,
            reasoning_effort: 'low',
            compute_multiplier: 0.5,
            eval_interval: 'auto',
          },
        },
      },
    });
    expect(body).not.toHaveProperty('grader');
    const result = contract.validateSchema('CreateFineTuningJobRequest', body);
    expect(result.errors).toEqual([]);
  });

  it('needs a grader, and is refused for a model the calendar does not allow', () => {
    const codes = (s: JobSpec, now?: number) =>
      provider(now)
        .validate(stats, s)
        .map((i) => `${i.severity}:${i.code}`);
    expect(codes({ ...rft, extra: {} })).toContain('error:GRADER_REQUIRED');
    expect(codes({ ...rft, baseModel: 'gpt-4.1-2025-04-14' })).toContain('error:METHOD_NOT_AVAILABLE');
    expect(codes(rft, Date.parse('2026-12-06'))).toContain('error:MODEL_RETIRED');
  });

  it('is priced per training hour (sourced), so the estimate says why it is unknown', () => {
    expect(() => provider().price(rft, stats)).toThrow(/\$100\/training hour \(https:\/\/help\.openai\.com/);
    expect(provider().prices['o4-mini']).toMatchObject({ perHour: 100, date: expect.any(String) });
  });
});

describe('provider hyperparameters (`--hyperparameter name=value`)', () => {
  it('are checked against the names and ranges the API lists for the method, and passed through', async () => {
    const codes = (
      providerHyperparameters: JobSpec['providerHyperparameters'],
      method: JobSpec['method'] = 'sft',
    ) =>
      provider()
        .validate(stats, {
          ...rft,
          baseModel: 'gpt-4o-mini-2024-07-18',
          method,
          extra: {},
          providerHyperparameters,
        })
        .filter((i) => i.severity === 'error')
        .map((i) => i.code);
    expect(codes({ n_epoch: 3 })).toEqual(['UNKNOWN_HYPERPARAMETER']);
    expect(codes({ n_epochs: 51 })).toEqual(['BAD_HYPERPARAMETER']);
    expect(codes({ beta: 0.1 })).toEqual(['UNKNOWN_HYPERPARAMETER']);
    expect(codes({ beta: 0.1, batch_size: 'auto' }, 'dpo')).toEqual(['KIND_MISMATCH']);
    expect(codes({ n_epochs: 'auto', learning_rate_multiplier: 0.2 })).toEqual([]);
  });
});

describe('closed request schemas', () => {
  const body = {
    model: 'gpt-4o-mini',
    training_file: 'file-abc',
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
  };
  it('accept a correct body', () => {
    expect(contract.validateRequest('POST', '/fine_tuning/jobs', body).errors).toEqual([]);
  });
  it('refuse a misspelt field at any depth (negative test)', () => {
    const misspelt = {
      ...body,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epoch: 2 } } },
    };
    const result = contract.validateRequest('POST', '/fine_tuning/jobs', misspelt);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/additional properties/);
    expect(contract.validateRequest('POST', '/fine_tuning/jobs', { ...body, n_epochs: 2 }).ok).toBe(false);
    // The open reading (what the description says without closing) lets the typo through.
    const open = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json', { closed: false });
    expect(open.validateRequest('POST', '/fine_tuning/jobs', misspelt).ok).toBe(true);
  });
  it('still accept a chat completion body composed with allOf, and refuse an unknown field there', () => {
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
    expect(contract.validateRequest('POST', '/chat/completions', chat).errors).toEqual([]);
    expect(contract.validateRequest('POST', '/chat/completions', { ...chat, temprature: 0 }).ok).toBe(false);
  });
});
