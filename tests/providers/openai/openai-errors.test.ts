import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { PolytuneError } from '../../../src/errors.js';
import { runCli } from '../../helpers/capture-output.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

const fake = new FakeOpenAI();
useTestServer(...fakeOpenAIHandlers(fake));

// Retryable statuses are mocked without a body (msw + the SDK hang on a body; NOTES.md).
const fault = (path: string, status: number, requestId: string) =>
  fake.faults.push({ kind: 'status', method: 'GET', path, status, headers: { 'x-request-id': requestId } });

let work: string;
beforeEach(async () => {
  fake.reset();
  work = await mkdtemp(join(tmpdir(), 'polytune-openai-errors-'));
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe('errors carry the HTTP exchange (provider, status, request id, method, URL)', () => {
  const provider = () =>
    createOpenAIProvider(
      { apiKey: 'sk-test-errors-key-000', baseURL: FAKE_OPENAI_BASE },
      { sleep: async () => {} },
    );

  for (const [status, code] of [
    [429, 'RATE_LIMIT'],
    [500, 'PROVIDER'],
  ] as const) {
    it(`a ${status} keeps the x-request-id in the error object`, async () => {
      fault('/fine_tuning/jobs/ftjob-000123', status, `req_${status}abc`);
      const error = (await provider()
        .get({ provider: 'openai', key: 'k', remoteId: 'ftjob-000123' })
        .catch((e: unknown) => e)) as PolytuneError;
      expect(error.code).toBe(code);
      expect(error.http).toEqual({
        provider: 'openai',
        status,
        requestId: `req_${status}abc`,
        method: 'GET',
        url: 'https://api.openai.com/v1/fine_tuning/jobs/ftjob-000123',
      });
    });

    it(`a ${status} shows the request id in the CLI output`, async () => {
      const data = await writePreparedFixture();
      const config = join(work, 'polytune.config.json');
      await writeFile(
        config,
        JSON.stringify({
          providers: {
            openai: {
              apiKey: 'sk-test-errors-key-000',
              baseURL: FAKE_OPENAI_BASE,
              calendar: [{ id: 'gpt-4o-mini-2024-07-18', methods: ['sft'] }],
            },
          },
        }),
      );
      // The first request of a tune is the look-up of the job by its key.
      fault('/fine_tuning/jobs', status, `req_cli_${status}`);
      const run = await runCli(
        'tune',
        '--provider',
        'openai',
        '--base-model',
        'gpt-4o-mini-2024-07-18',
        '--data',
        data.dir,
        '--config',
        config,
        '--ledger-dir',
        join(work, '.polytune'),
      );
      await rm(data.dir, { recursive: true, force: true });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`request id: req_cli_${status} \\(openai, HTTP ${status}\\)`));
    });
  }
});
