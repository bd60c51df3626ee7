import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBatchService } from '../../../bench/eval-batch/local-batch-service.js';
import type { BatchEvent, EvalEvent } from '../../../evals/eval-events.js';
import { runEval } from '../../../evals/runner.js';
import { parseSuite } from '../../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import { loadOpenAPIContract } from '../../helpers/openapi-contract.js';
import { useTestServer } from '../../helpers/test-server.js';

const contract = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json');
let service = new LocalBatchService();
const server = useTestServer(
  http.all('https://api.openai.com/v1/*', ({ request }) => service.handle(request)),
);

const MODEL = 'ft:gpt-4o-mini-2024-07-18:acme::abc123';
const suite = parseSuite({
  name: 'sums',
  cases: [
    { id: 'one', input: 'Reply with 1', expected: '1' },
    { id: 'two', input: 'Reply with 2', expected: '2' },
    { id: 'three', input: 'Reply with 3', expected: '3' },
    { id: 'four', input: 'Reply with 4', expected: '5' },
  ],
});

let dir: string;
beforeEach(async () => {
  service = new LocalBatchService();
  dir = await mkdtemp(join(tmpdir(), 'polytune-openai-batch-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(events: EvalEvent[] = [], retries = 2, failedLines: 'online' | 'error' = 'online') {
  const model = await createOpenAIProvider({ apiKey: 'sk-test-batch' }).model(MODEL);
  return runEval({
    suite,
    models: [model],
    out: join(dir, 'out'),
    cache: false,
    batch: { ledgerDir: join(dir, '.polytune'), pollIntervalMs: 1, failedLines },
    retry: { retries, baseDelayMs: 0, maxDelayMs: 0 },
    sleep: async () => undefined,
    onEvent: (e) => events.push(e),
  });
}

async function resultLines() {
  const text = await readFile(join(dir, 'out', 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; status: string; output: string; cost?: number });
}

describe('eval --batch on the OpenAI Batch API', () => {
  it('uploads, creates, polls, reads the output and error files, and retries the failed line online', async () => {
    service.failLines.add('0:three');
    const events: EvalEvent[] = [];
    const result = await run(events);

    // Upload with purpose batch, one JSONL line per case, matched by custom_id.
    const upload = server.captured.find((r) => r.method === 'POST' && r.url.endsWith('/v1/files'));
    expect(upload?.body).toContain('name="purpose"');
    expect(upload?.body).toContain('batch');
    const input = [...service.files.values()].find((f) => f.meta.purpose === 'batch')?.content ?? '';
    const lines = input
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.custom_id)).toEqual(['0:one', '0:two', '0:three', '0:four']);
    expect(lines[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', body: { model: MODEL } });
    for (const line of lines) {
      const check = contract.validateSchema('CreateChatCompletionRequest', line.body);
      expect(check.errors).toEqual([]);
    }

    // The create body conforms to CreateBatchRequest and carries the batch key.
    expect(service.createBodies).toHaveLength(1);
    const create = service.createBodies[0] as { metadata: Record<string, string> };
    const check = contract.validateRequest('POST', '/batches', create);
    expect(check.schema).toBe('#/components/schemas/CreateBatchRequest');
    expect(check.errors).toEqual([]);
    expect(create).toMatchObject({ endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(create.metadata.polytune_batch_key).toMatch(/^[a-f0-9]{32}$/);

    // One line per case, written once: three from the batch, the failed one online.
    const results = await resultLines();
    expect(results.map((r) => r.id).sort()).toEqual(['four', 'one', 'three', 'two']);
    expect(service.chatCalls).toBe(1);
    expect(results.find((r) => r.id === 'four')).toMatchObject({ status: 'fail', output: '4' });
    expect(results.find((r) => r.id === 'one')).toMatchObject({ status: 'pass', output: '1' });
    expect(result.counts).toMatchObject({ planned: 4, written: 4, errors: 0 });
    expect(result.summary.models[0]).toMatchObject({ passed: 3, failed: 1 });

    // Batch lines cost half the online price (12 in + 2 out tokens at $0.30 / $1.20 per 1M).
    const online = (12 * 0.3 + 2 * 1.2) / 1e6;
    expect(results.find((r) => r.id === 'one')?.cost).toBeCloseTo(online / 2, 12);
    expect(results.find((r) => r.id === 'three')?.cost).toBeCloseTo(online, 12);

    const batchEvents = events.filter((e): e is BatchEvent => e.type === 'batch');
    expect(batchEvents.map((e) => e.state)).toEqual(['created', 'running', 'completed', 'settled']);
    expect(batchEvents.at(-1)).toMatchObject({ counts: { total: 4, completed: 3, failed: 1 }, online: 1 });
  });

  it('re-attaches after a crash between the create and the ledger write: no second create', async () => {
    // The create reaches the service, but its answer never arrives and the run dies (no retries).
    server.use(
      http.post('https://api.openai.com/v1/batches', async ({ request }) => {
        await service.handle(request);
        return HttpResponse.error();
      }),
    );
    await expect(run([], 0)).rejects.toThrow();
    expect(service.batches).toHaveLength(1);
    const key = service.batches[0]?.metadata?.polytune_batch_key as string;
    const record = JSON.parse(await readFile(join(dir, '.polytune', 'batches', `${key}.json`), 'utf8'));
    expect(record.remoteId).toBeUndefined();

    server.resetHandlers();
    const events: EvalEvent[] = [];
    const again = await run(events);
    expect(service.batches).toHaveLength(1);
    expect(service.createBodies).toHaveLength(1);
    expect(events.find((e) => e.type === 'batch')).toMatchObject({ state: 'reattached' });
    expect(again.counts).toMatchObject({ written: 4, errors: 0 });
    expect(service.chatCalls).toBe(0);
    const saved = JSON.parse(await readFile(join(dir, '.polytune', 'batches', `${key}.json`), 'utf8'));
    expect(saved.remoteId).toBe(service.batches[0]?.id);
  });

  it('a re-run reads the finished batch again instead of paying for a new one', async () => {
    await run();
    await run();
    expect(service.createBodies).toHaveLength(1);
    expect((await resultLines()).length).toBe(4);
  });

  it('an expired batch leaves every case to the online queue, none dropped', async () => {
    service.endAs = 'expired';
    const events: EvalEvent[] = [];
    const result = await run(events);
    expect(service.chatCalls).toBe(4);
    expect(result.counts).toMatchObject({ planned: 4, written: 4 });
    expect(events.filter((e) => e.type === 'batch').at(-1)).toMatchObject({ state: 'settled', online: 4 });
  });

  it('with failedLines "error", a failed line is written as an error with the service\'s reason, not sent online', async () => {
    service.failLines.add('0:two');
    const events: EvalEvent[] = [];
    const result = await run(events, 2, 'error');
    expect(service.chatCalls).toBe(0);
    const two = (await resultLines()).find((r) => r.id === 'two') as unknown as Record<string, unknown>;
    expect(two).toMatchObject({ status: 'error', errorCode: 'BATCH' });
    expect(String(two.reason)).toContain('server_error');
    expect(result.counts).toMatchObject({ planned: 4, written: 4, errors: 1 });
    expect(events.filter((e) => e.type === 'batch').at(-1)).toMatchObject({ state: 'settled', reported: 1 });
  });
});
