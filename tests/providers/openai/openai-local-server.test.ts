import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { FakeOpenAI, startFakeOpenAIServer } from './fake-openai.js';

/**
 * The provider against a plain HTTP server on 127.0.0.1, configured only
 * through OPENAI_BASE_URL / OPENAI_API_KEY as a user of a compatible endpoint would.
 */
const fake = new FakeOpenAI();
let server: Awaited<ReturnType<typeof startFakeOpenAIServer>>;
let data: PreparedData;
const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };

beforeAll(async () => {
  server = await startFakeOpenAIServer(fake);
  data = await writePreparedFixture();
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = 'sk-test-local-server-0123456789';
});
afterAll(async () => {
  await server.close();
  await rm(data.dir, { recursive: true, force: true });
  for (const [name, value] of [
    ['OPENAI_BASE_URL', saved.url],
    ['OPENAI_API_KEY', saved.key],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('OpenAI provider over real HTTP (OPENAI_BASE_URL)', () => {
  it('uploads, creates once through a dropped connection, follows the job and generates', async () => {
    const provider = createOpenAIProvider(
      { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 } },
      { sleep: async () => {} },
    );
    fake.crashAfterCreate(); // the server creates the job, then drops the socket
    const ref = await provider.submit(
      { provider: 'openai', baseModel: 'gpt-4.1-mini-2025-04-14', method: 'sft', hyperparameters: {} },
      data,
      { key: 'localserverkey' },
    );
    expect(fake.jobCount()).toBe(1);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/files')).toHaveLength(2);
    fake.setState(ref.remoteId, 'running');
    fake.setState(ref.remoteId, 'succeeded');
    const snapshot = await provider.get(ref);
    expect(snapshot).toMatchObject({ state: 'succeeded', trainedTokens: 1440 });
    expect(snapshot.cost?.amount).toBeCloseTo((1440 / 1e6) * 5);
    const model = await provider.model(ref);
    const out = await model.generate({ input: 'hello' });
    expect(out.text).toBe(fake.generationText);
    expect(out.usage).toEqual({ inputTokens: 12, outputTokens: 5 });
  });
});
