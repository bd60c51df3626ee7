import { rm } from 'node:fs/promises';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { useTestServer } from '../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from '../providers/openai/fake-openai.js';
import { describeProviderConformance } from './provider-conformance.js';

const fake = new FakeOpenAI();
useTestServer(...fakeOpenAIHandlers(fake));

describeProviderConformance('openai', async () => {
  fake.reset();
  const data = await writePreparedFixture();
  return {
    provider: createOpenAIProvider(
      {
        apiKey: 'sk-test-conformance-key',
        baseURL: FAKE_OPENAI_BASE,
        retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
      },
      // A fixed day for the model calendar, so the suite does not depend on today's date.
      { sleep: async () => {}, now: () => Date.parse('2026-09-01T00:00:00Z') },
    ),
    backend: fake,
    spec: {
      provider: 'openai',
      baseModel: 'gpt-4o-mini-2024-07-18',
      method: 'sft',
      hyperparameters: { epochs: 2 },
    },
    data,
    cleanup: () => rm(data.dir, { recursive: true, force: true }),
  };
});
