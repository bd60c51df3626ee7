import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalBatchService } from '../../../bench/eval-batch/local-batch-service.js';
import { main } from '../../../src/cli/main.js';
import { useTestServer } from '../../helpers/test-server.js';

let service = new LocalBatchService();
useTestServer(http.all('https://api.openai.com/v1/*', ({ request }) => service.handle(request)));

let dir: string;
const stdout: string[] = [];
beforeEach(async () => {
  service = new LocalBatchService();
  dir = await mkdtemp(join(tmpdir(), 'polytune-batch-cli-'));
  stdout.length = 0;
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
  }
  vi.stubEnv('OPENAI_API_KEY', 'sk-test-cli-batch');
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('polytune eval --batch', () => {
  it('runs the suite through the Batch API, prints the batch progress, and records the batch in the ledger', async () => {
    const suite = join(dir, 'suite.json');
    await writeFile(
      suite,
      JSON.stringify({
        name: 'cli-batch',
        cases: [
          { id: 'x', input: 'Reply with 7', expected: '7' },
          { id: 'y', input: 'Reply with 8', expected: '8' },
        ],
      }),
    );
    const ledger = join(dir, 'ledger');
    const code = await main([
      'eval',
      '--suite',
      suite,
      '--model',
      'openai:gpt-4o-mini',
      '--out',
      join(dir, 'out'),
      '--no-cache',
      '--batch',
      '--batch-poll',
      '1',
      '--ledger-dir',
      ledger,
    ]);
    expect(code).toBe(0);
    expect(service.createBodies).toHaveLength(1);
    expect(service.chatCalls).toBe(0);
    const printed = stdout.join('');
    expect(printed).toMatch(/batch 0 of openai:gpt-4o-mini \(batch_\d+\): created/);
    expect(printed).toMatch(/: completed 2\/2 done, 0 failed/);
    expect(printed).toMatch(/: settled \[completed\] 2\/2 done, 0 failed/);
    expect(printed).toContain('2/2 passed');
    const records = await readdir(join(ledger, 'batches'));
    expect(records).toHaveLength(1);
    const record = JSON.parse(await readFile(join(ledger, 'batches', records[0] as string), 'utf8'));
    expect(record).toMatchObject({
      model: 'openai:gpt-4o-mini',
      chunk: 0,
      requests: 2,
      remoteId: service.batches[0]?.id,
      rawState: 'completed',
    });
  });
});
