import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runEval } from '../../../evals/runner.js';
import { parseSuite } from '../../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

const fake = new FakeOpenAI();
useTestServer(...fakeOpenAIHandlers(fake));

let dir: string;
beforeEach(async () => {
  fake.reset();
  dir = await mkdtemp(join(tmpdir(), 'polytune-openai-eval-cost-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('an eval of a base OpenAI model', () => {
  it('is priced at the base model rate (it used to report $0), and an unpriced model stays unpriced', async () => {
    const provider = createOpenAIProvider({ apiKey: 'sk-test-eval-cost-000', baseURL: FAKE_OPENAI_BASE });
    const suite = parseSuite(
      {
        name: 'arith',
        cases: [
          { id: 'a', input: '2+2?', expected: 'The answer is 4.' },
          { id: 'b', input: '1+3?', expected: 'The answer is 4.' },
        ],
      },
      dir,
    );
    const run = await runEval({
      suite,
      models: [await provider.model('openai:gpt-4o-mini'), await provider.model('openai:my-own-model')],
      out: join(dir, 'out'),
      cache: false,
      reports: false,
      sleep: async () => undefined,
    });
    const byModel = Object.fromEntries(run.summary.models.map((m) => [m.model, m]));
    // The fake reports 12 prompt and 5 completion tokens per call; gpt-4o-mini is $0.15 / $0.60 per 1M.
    const perCall = (12 * 0.15 + 5 * 0.6) / 1_000_000;
    expect(byModel['openai:gpt-4o-mini']?.cost.priced).toBe(true);
    expect(byModel['openai:gpt-4o-mini']?.cost.per1k).toBeCloseTo(perCall * 1000, 9);
    expect(byModel['openai:my-own-model']?.cost.priced).toBe(false);
  });
});
