import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRC32C } from '@google-cloud/storage';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchEvent, EvalEvent } from '../../../evals/eval-events.js';
import { runEval } from '../../../evals/runner.js';
import { parseSuite } from '../../../evals/suite-loader.js';
import { createVertexProvider } from '../../../providers/vertex/vertex-provider.js';
import { checkRequestAgainstDiscovery, discoveryErrors } from '../../helpers/discovery-contract.js';
import { useTestServer } from '../../helpers/test-server.js';
import {
  API,
  BUCKET,
  createFakeVertex,
  type FakeVertex,
  PARENT,
  PROJECT,
  testAuthClient,
} from './fake-vertex.js';

const GCS = 'https://storage.googleapis.com';
const { protos } = createRequire(import.meta.url)('@google-cloud/aiplatform') as {
  protos: { google: { cloud: { aiplatform: { v1: { JobState: Record<string, number> } } } } };
};
const JobState = protos.google.cloud.aiplatform.v1.JobState;

interface Job {
  name: string;
  body: Record<string, unknown>;
  state: string;
  outputInfo?: { gcsOutputDirectory: string };
  completionStats?: Record<string, string>;
}

/**
 * Batch prediction jobs as the REST API answers them (numeric enums, int64 as
 * strings): PENDING at create, RUNNING at the first read, SUCCEEDED at the
 * next, when `predictions.jsonl` is written to the output folder with the
 * request echoed beside its response, or a `status` for rows in `failRows`.
 */
function batchService(fake: FakeVertex) {
  const jobs: Job[] = [];
  const failRows = new Set<number>();
  let crashAfterCreate = false;
  const encode = (job: Job) => ({
    ...job.body,
    name: job.name,
    state: JobState[job.state],
    createTime: '2026-12-06T03:00:00Z',
    ...(job.outputInfo ? { outputInfo: job.outputInfo } : {}),
    ...(job.completionStats ? { completionStats: job.completionStats } : {}),
  });
  const store = (name: string, text: string) =>
    fake.objects.set(name, { name, data: Buffer.from(text), generation: 1 });
  const run = (job: Job) => {
    const uri = (job.body.inputConfig as { gcsSource: { uris: string[] } }).gcsSource.uris[0] as string;
    const input = fake.objects.get(uri.replace(`gs://${BUCKET}/`, ''))?.data.toString('utf8') ?? '';
    const rows = input
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { request: { contents: { parts: { text: string }[] }[] } });
    const out = rows.map((row, i) =>
      JSON.stringify(
        failRows.has(i)
          ? {
              status: 'Internal error while processing the row.',
              processed_time: '2026-12-06T03:05:00Z',
              request: row.request,
            }
          : {
              status: '',
              processed_time: '2026-12-06T03:05:00Z',
              request: row.request,
              response: {
                candidates: [
                  {
                    content: {
                      role: 'model',
                      parts: [
                        { text: (row.request.contents.at(-1)?.parts[0]?.text ?? '').replace(/\D+/g, '') },
                      ],
                    },
                  },
                ],
                usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1 },
              },
            },
      ),
    );
    const prefix = (job.body.outputConfig as { gcsDestination: { outputUriPrefix: string } }).gcsDestination
      .outputUriPrefix;
    const directory = `${prefix}/prediction-model-2026-12-06T03:00:00.000000Z`;
    // Rows come back in another order than they went in.
    store(`${directory.replace(`gs://${BUCKET}/`, '')}/predictions.jsonl`, `${out.reverse().join('\n')}\n`);
    job.outputInfo = { gcsOutputDirectory: directory };
    job.completionStats = {
      successfulCount: String(rows.length - failRows.size),
      failedCount: String(failRows.size),
      incompleteCount: '0',
    };
  };
  const crc = (data: Buffer) => {
    const c = new CRC32C();
    c.update(data);
    return c.toString();
  };
  const handlers = [
    http.post(`${API}/projects/:p/locations/:l/batchPredictionJobs`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      const job: Job = {
        name: `${PARENT}/batchPredictionJobs/${7000 + jobs.length}`,
        body,
        state: 'JOB_STATE_PENDING',
      };
      jobs.push(job);
      return crashAfterCreate ? HttpResponse.error() : HttpResponse.json(encode(job));
    }),
    http.get(`${API}/projects/:p/locations/:l/batchPredictionJobs`, ({ request }) => {
      const filter = new URL(request.url).searchParams.get('filter') ?? '';
      const wanted = /labels\.polytune-batch-key="([^"]+)"/.exec(filter)?.[1];
      const matches = jobs.filter(
        (j) => (j.body.labels as Record<string, string>)['polytune-batch-key'] === wanted,
      );
      return HttpResponse.json({ batchPredictionJobs: matches.map(encode) });
    }),
    http.get(`${API}/projects/:p/locations/:l/batchPredictionJobs/:id`, ({ params }) => {
      const job = jobs.find((j) => j.name.endsWith(`/${params.id}`));
      if (!job) return HttpResponse.json({ error: { code: 404, message: 'not found' } }, { status: 404 });
      if (job.state === 'JOB_STATE_PENDING') job.state = 'JOB_STATE_RUNNING';
      else if (job.state === 'JOB_STATE_RUNNING') {
        run(job);
        job.state = 'JOB_STATE_SUCCEEDED';
      }
      return HttpResponse.json(encode(job));
    }),
    http.get(`${GCS}/storage/v1/b/:bucket/o`, ({ request }) => {
      const prefix = new URL(request.url).searchParams.get('prefix') ?? '';
      const items = [...fake.objects.values()]
        .filter((o) => o.name.startsWith(prefix))
        .map((o) => ({
          kind: 'storage#object',
          bucket: BUCKET,
          name: o.name,
          size: String(o.data.length),
          generation: '1',
          crc32c: crc(o.data),
        }));
      return HttpResponse.json({ kind: 'storage#objects', items });
    }),
    http.get(`${GCS}/storage/v1/b/:bucket/o/:object`, ({ params, request }) => {
      if (new URL(request.url).searchParams.get('alt') !== 'media') return undefined;
      const object = fake.objects.get(decodeURIComponent(String(params.object)));
      if (!object)
        return HttpResponse.json({ error: { code: 404, message: 'No such object' } }, { status: 404 });
      return new HttpResponse(object.data, {
        headers: { 'x-goog-hash': `crc32c=${crc(object.data)}`, 'content-type': 'application/jsonl' },
      });
    }),
  ];
  return {
    jobs,
    failRows,
    handlers,
    set crashAfterCreate(value: boolean) {
      crashAfterCreate = value;
    },
  };
}

const suite = parseSuite({
  name: 'digits',
  cases: [
    { id: 'a', input: 'Reply with 1', expected: '1' },
    { id: 'b', input: 'Reply with 2', expected: '2' },
    { id: 'c', input: 'Reply with 3', expected: '3' },
  ],
});

let fake: FakeVertex;
let service: ReturnType<typeof batchService>;
let dir: string;
const server = useTestServer();

beforeEach(async () => {
  fake = createFakeVertex();
  service = batchService(fake);
  server.use(...fake.handlers);
  server.use(...service.handlers);
  dir = await mkdtemp(join(tmpdir(), 'polytune-vertex-batch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(events: EvalEvent[] = [], retries = 2, ref = 'gemini-2.5-flash') {
  const provider = createVertexProvider({
    project: PROJECT,
    location: 'us-central1',
    bucket: BUCKET,
    authClient: testAuthClient(),
    retry: { retries, baseDelayMs: 1, sleep: async () => undefined },
  });
  const model = await provider.model(ref);
  return runEval({
    suite,
    models: [model],
    out: join(dir, 'out'),
    cache: false,
    batch: { ledgerDir: join(dir, '.polytune'), pollIntervalMs: 1 },
    retry: { retries, baseDelayMs: 0, maxDelayMs: 0 },
    sleep: async () => undefined,
    onEvent: (e) => events.push(e),
  });
}

const creates = () =>
  server.captured.filter((r) => r.method === 'POST' && r.url.includes('/batchPredictionJobs'));

describe('eval --batch on Vertex AI batch prediction', () => {
  it('uploads the JSONL, creates a labelled job, polls it, reads predictions, and runs the failed row online', async () => {
    service.failRows.add(2);
    const events: EvalEvent[] = [];
    const result = await run(events);

    // The create body conforms to GoogleCloudAiplatformV1BatchPredictionJob.
    expect(creates()).toHaveLength(1);
    const create = creates()[0] as { method: string; url: string; body: string };
    const check = checkRequestAgainstDiscovery(create);
    expect(check.schema).toBe('GoogleCloudAiplatformV1BatchPredictionJob');
    expect(check.errors).toEqual([]);
    const body = JSON.parse(create.body);
    expect(body).toMatchObject({
      model: 'publishers/google/models/gemini-2.5-flash',
      inputConfig: { instancesFormat: 'jsonl' },
      outputConfig: { predictionsFormat: 'jsonl' },
    });
    expect(body.labels['polytune-batch-key']).toMatch(/^[a-f0-9]{32}$/);

    // Each input row is a GenerateContentRequest under `request`.
    const input = fake.objects.get(body.inputConfig.gcsSource.uris[0].replace(`gs://${BUCKET}/`, ''));
    const rows = (input?.data.toString('utf8') ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    for (const row of rows)
      expect(discoveryErrors('GoogleCloudAiplatformV1GenerateContentRequest', row.request)).toEqual([]);

    const text = await readFile(join(dir, 'out', 'results.jsonl'), 'utf8');
    const results = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(results.find((r) => r.id === 'a')).toMatchObject({ status: 'pass', output: '1' });
    // Row 2 (case c) failed in the batch: it ran online against the publisher model.
    expect(fake.generated).toHaveLength(1);
    expect(results.find((r) => r.id === 'c')).toMatchObject({ output: 'base: fake tuned answer' });
    expect(result.counts).toMatchObject({ planned: 3, written: 3, errors: 0 });
    const settled = events.filter((e): e is BatchEvent => e.type === 'batch').at(-1);
    expect(settled).toMatchObject({
      state: 'settled',
      counts: { total: 3, completed: 2, failed: 1 },
      online: 1,
    });
  });

  it('re-attaches after a crash between the create and the ledger write: no second create', async () => {
    service.crashAfterCreate = true;
    await expect(run([], 0)).rejects.toThrow();
    expect(service.jobs).toHaveLength(1);

    service.crashAfterCreate = false;
    const events: EvalEvent[] = [];
    const again = await run(events);
    expect(service.jobs).toHaveLength(1);
    expect(events.find((e) => e.type === 'batch')).toMatchObject({ state: 'reattached' });
    expect(again.counts).toMatchObject({ written: 3, errors: 0 });
    expect(fake.generated).toHaveLength(0);
  });

  it('runs a tuned endpoint through the model it serves, looked up only when the batch is created', async () => {
    const endpoint = `${PARENT}/endpoints/e555`;
    server.use(
      http.get(`${API}/projects/:p/locations/:l/endpoints/:e`, () =>
        HttpResponse.json({
          name: endpoint,
          deployedModels: [{ id: '1', model: `${PARENT}/models/m555@1` }],
        }),
      ),
    );
    const result = await run([], 2, endpoint);
    const create = creates()[0] as { method: string; url: string; body: string };
    expect(checkRequestAgainstDiscovery(create).errors).toEqual([]);
    expect(JSON.parse(create.body).model).toBe(`${PARENT}/models/m555@1`);
    expect(result.counts).toMatchObject({ planned: 3, written: 3, errors: 0 });
    expect(fake.generated).toHaveLength(0);
  });
});
