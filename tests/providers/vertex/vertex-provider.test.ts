import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVertexProvider, type VertexOptions } from '../../../providers/vertex/vertex-provider.js';
import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import type { JobEvent, JobRef, Provider } from '../../../src/provider.js';
import { checkRequestAgainstDiscovery } from '../../helpers/discovery-contract.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeVertex, type FakeVertex, PARENT, PROJECT, testAuthClient } from './fake-vertex.js';

let fake: FakeVertex = createFakeVertex();
const server = useTestServer();
let data: PreparedData;

const spec: JobSpec = {
  provider: 'vertex',
  baseModel: 'gemini-2.5-flash',
  method: 'sft',
  hyperparameters: { epochs: 3, learningRateMultiplier: 0.5, loraRank: 4 },
  suffix: 'support-bot',
};

const noWait = async () => {};

function makeProvider(overrides: Partial<VertexOptions> = {}): Provider {
  return createVertexProvider({
    project: PROJECT,
    location: 'us-central1',
    bucket: BUCKET,
    authClient: testAuthClient(),
    retry: { retries: 3, baseDelayMs: 1, sleep: noWait },
    ...overrides,
  });
}

function aiplatformRequests() {
  return server.captured.filter((r) => r.url.includes('aiplatform.googleapis.com'));
}

function creates() {
  return aiplatformRequests().filter((r) => r.method === 'POST' && /\/tuningJobs\?/.test(r.url));
}

async function collect(events: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const all: JobEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

beforeEach(async () => {
  fake = createFakeVertex();
  server.use(...fake.handlers);
  data = await writePreparedFixture({ providers: ['vertex'] });
});

afterEach(async () => {
  // Every request polytune sent to Vertex AI conforms to the discovery document.
  for (const request of aiplatformRequests()) {
    const check = checkRequestAgainstDiscovery(request);
    expect(check.errors, `${check.method} ${request.url}`).toEqual([]);
  }
  await rm(data.dir, { recursive: true, force: true });
});

describe('submit', () => {
  it('uploads train and validation under content-hash names and creates one tuning job', async () => {
    const provider = makeProvider();
    const uploads: { name: string; sha256: string; remoteId: string }[] = [];
    const ref = await provider.submit(spec, data, { key: 'k1', onUpload: (u) => void uploads.push(u) });

    const compiled = data.manifest.compiled.vertex;
    const trainUri = `gs://${BUCKET}/polytune/data/${compiled?.train.sha256}.jsonl`;
    const validationUri = `gs://${BUCKET}/polytune/data/${compiled?.validation?.sha256}.jsonl`;
    expect(uploads).toEqual([
      { name: 'train', sha256: compiled?.train.sha256, remoteId: trainUri },
      { name: 'validation', sha256: compiled?.validation?.sha256, remoteId: validationUri },
    ]);
    expect(fake.objects.get(`polytune/data/${compiled?.train.sha256}.jsonl`)?.data.length).toBeGreaterThan(0);

    expect(ref).toEqual({ provider: 'vertex', key: 'k1', remoteId: `${PARENT}/tuningJobs/1000` });
    const [create] = creates();
    expect(
      create?.url.startsWith(`https://us-central1-aiplatform.googleapis.com/v1/${PARENT}/tuningJobs`),
    ).toBe(true);
    expect(create?.headers.authorization).toBe('Bearer test-access-token');
    expect(JSON.parse(create?.body ?? '{}')).toEqual({
      baseModel: 'gemini-2.5-flash',
      supervisedTuningSpec: {
        trainingDatasetUri: trainUri,
        validationDatasetUri: validationUri,
        // int64 as a string; the enum as its proto number (the client asks for enum-encoding=int).
        hyperParameters: { epochCount: '3', learningRateMultiplier: 0.5, adapterSize: 2 },
      },
      tunedModelDisplayName: 'support-bot',
      labels: { 'polytune-key': 'k1', 'created-by': 'polytune' },
    });
    expect(fake.jobs.size).toBe(1);
  });

  it('looks for the key before creating: a second submit re-attaches and uploads nothing', async () => {
    const provider = makeProvider();
    const first = await provider.submit(spec, data, { key: 'k2' });
    const uploadsBefore = fake.uploads.length;
    const second = await makeProvider().submit(spec, data, { key: 'k2' });
    expect(second).toEqual(first);
    expect(fake.uploads.length).toBe(uploadsBefore);
    expect(fake.jobs.size).toBe(1);
  });

  it('does not upload an object that is already in the bucket', async () => {
    const provider = makeProvider();
    await provider.submit(spec, data, { key: 'k3' });
    expect(fake.uploads).toHaveLength(2);
    const events: JobEvent[] = [];
    await provider.submit({ ...spec, hyperparameters: { epochs: 5 } }, data, {
      key: 'k3b',
      onEvent: (e) => events.push(e),
    });
    expect(fake.uploads).toHaveLength(2);
    expect(events.filter((e) => e.message.includes('already in gs://'))).toHaveLength(2);
    expect(fake.jobs.size).toBe(2);
  });

  it('uploads large files with a resumable session', async () => {
    const provider = makeProvider({ resumableThresholdBytes: 0 });
    await provider.submit(spec, data, { key: 'k4' });
    const resumable = server.captured.filter((r) => r.url.includes('uploadType=resumable'));
    expect(resumable.map((r) => r.method)).toContain('PUT');
    expect(fake.uploads).toHaveLength(2);
  });

  it('refuses a compiled file that changed after prepare, before any remote write', async () => {
    const compiled = data.manifest.compiled.vertex;
    await writeFile(join(data.dir, compiled?.train.file ?? ''), '{"contents":[]}\n');
    await expect(makeProvider().submit(spec, data, { key: 'k5' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('changed after it was prepared'),
    });
    expect(fake.uploads).toHaveLength(0);
    expect(fake.jobs.size).toBe(0);
  });

  it('refuses a training file over 1 GB', async () => {
    const compiled = data.manifest.compiled.vertex;
    const handle = await open(join(data.dir, compiled?.train.file ?? ''), 'r+');
    await handle.truncate(1024 ** 3 + 1); // sparse: no gigabyte is written
    await handle.close();
    await expect(makeProvider().submit(spec, data, { key: 'k6' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('up to 1 GB'),
    });
    expect(fake.jobs.size).toBe(0);
  });

  it('says what to do when no bucket or no compiled files are set', async () => {
    await expect(makeProvider({ bucket: undefined }).submit(spec, data, { key: 'k7' })).rejects.toMatchObject(
      {
        code: 'INVALID_INPUT',
        hint: expect.stringContaining('vertex.bucket'),
      },
    );
    const openaiOnly = await writePreparedFixture({ providers: ['openai'] });
    await expect(makeProvider().submit(spec, openaiOnly, { key: 'k7' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      hint: expect.stringContaining('data prepare'),
    });
    await rm(openaiOnly.dir, { recursive: true, force: true });
  });

  it('fits any key into a label value and still finds the job by it', async () => {
    const key = 'Key With Spaces/and UPPER case that is much longer than sixty-three characters allow';
    const provider = makeProvider();
    const ref = await provider.submit(spec, data, { key });
    const labels = (fake.jobs.get(ref.remoteId)?.body.labels ?? {}) as Record<string, string>;
    expect(labels['polytune-key']).toMatch(/^[a-z0-9_-]{1,63}$/);
    expect(await provider.find(key)).toEqual(ref);
  });
});

describe('create retries: one remote job, always', () => {
  it('a connection reset after the job was created re-attaches instead of creating again', async () => {
    fake.crashAfterCreate();
    const ref = await makeProvider().submit(spec, data, { key: 'c1' });
    expect(fake.jobs.size).toBe(1);
    expect(ref.remoteId).toBe([...fake.jobs.keys()][0]);
    expect(creates()).toHaveLength(1);
  });

  it('a 503 from a create that the service applied is reconciled by the key label', async () => {
    fake.failNextCreate(503, true);
    const ref = await makeProvider().submit(spec, data, { key: 'c2' });
    expect(fake.jobs.size).toBe(1);
    expect(ref.remoteId).toBe([...fake.jobs.keys()][0]);
    expect(creates()).toHaveLength(1);
  });

  it('a 429 RESOURCE_EXHAUSTED create that did nothing is retried once the list shows no job', async () => {
    fake.failNextCreate(429, false);
    fake.failNextCreate(503, false);
    const ref = await makeProvider().submit(spec, data, { key: 'c3' });
    expect(fake.jobs.size).toBe(1);
    expect(creates()).toHaveLength(3);
    expect(ref.remoteId).toBe([...fake.jobs.keys()][0]);
  });

  it('a rejected create (400) is not retried and says what to fix', async () => {
    fake.failNextCreate(400, false);
    await expect(makeProvider().submit(spec, data, { key: 'c4' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      isRetryable: false,
    });
    expect(creates()).toHaveLength(1);
    expect(fake.jobs.size).toBe(0);
  });

  it('when retries run out, the next run re-attaches to the job the failed run created', async () => {
    fake.failNextCreate(503, true);
    const provider = makeProvider({ retry: { retries: 0, sleep: noWait } });
    await expect(provider.submit(spec, data, { key: 'c5' })).rejects.toMatchObject({ code: 'PROVIDER' });
    expect(fake.jobs.size).toBe(1);
    const again = await makeProvider().submit(spec, data, { key: 'c5' });
    expect(again.remoteId).toBe([...fake.jobs.keys()][0]);
    expect(fake.jobs.size).toBe(1);
  });

  it('finds the key across list pages and checks the label even if the filter is ignored', async () => {
    const provider = makeProvider();
    await provider.submit(spec, data, { key: 'p1' });
    await provider.submit({ ...spec, suffix: 'b' }, data, { key: 'p2' });
    const third = await provider.submit({ ...spec, suffix: 'c' }, data, { key: 'p3' });
    fake.setListPageSize(1);
    fake.setIgnoreFilter(true);
    expect(await provider.find('p3')).toEqual(third);
    expect(await provider.find('p4')).toBeUndefined();
  });
});

describe('get, states and cost', () => {
  async function submitted(): Promise<{ provider: Provider; ref: JobRef }> {
    const provider = makeProvider();
    return { provider, ref: await provider.submit(spec, data, { key: 'g' }) };
  }

  it('maps every JOB_STATE_* value and keeps the raw one', async () => {
    const { provider, ref } = await submitted();
    const expected: Record<string, string> = {
      JOB_STATE_UNSPECIFIED: 'preparing',
      JOB_STATE_QUEUED: 'queued',
      JOB_STATE_PENDING: 'validating',
      JOB_STATE_RUNNING: 'running',
      JOB_STATE_CANCELLING: 'running',
      JOB_STATE_PAUSED: 'running',
      JOB_STATE_UPDATING: 'running',
      JOB_STATE_SUCCEEDED: 'succeeded',
      JOB_STATE_PARTIALLY_SUCCEEDED: 'succeeded',
      JOB_STATE_FAILED: 'failed',
      JOB_STATE_EXPIRED: 'failed',
      JOB_STATE_CANCELLED: 'cancelled',
    };
    for (const [raw, state] of Object.entries(expected)) {
      fake.setRaw(ref.remoteId, raw);
      const snapshot = await provider.get(ref);
      expect([raw, snapshot.state, snapshot.rawState]).toEqual([raw, state, raw]);
    }
    fake.setRaw(ref.remoteId, 'JOB_STATE_PAUSED');
    const paused = await provider.get(ref);
    expect(paused.detail).toContain('paused');
  });

  it('keeps a state newer than the client protos (a number on the wire) as non-terminal', async () => {
    const { provider, ref } = await submitted();
    fake.setRaw(ref.remoteId, '42');
    expect(await provider.get(ref)).toMatchObject({ state: 'running', rawState: '42' });
  });

  it('reports a succeeded job with its endpoint, billed tokens and actual cost', async () => {
    const { provider, ref } = await submitted();
    fake.setRaw(ref.remoteId, 'JOB_STATE_RUNNING');
    fake.setRaw(ref.remoteId, 'JOB_STATE_SUCCEEDED');
    const snapshot = await provider.get(ref);
    expect(snapshot.modelId).toBe(`${PARENT}/endpoints/e1000`);
    expect(snapshot.metrics).toMatchObject({ billableTokens: 48_000, exampleCount: 12, tuningSteps: 36 });
    expect(snapshot.trainedTokens).toBe(48_000 * 3);
    // 48,000 billable tokens × 3 epochs × $5/1M (gemini-2.5-flash in the table).
    expect(snapshot.cost).toMatchObject({ amount: 0.72, estimate: false, currency: 'USD' });
    // The source is the page the price table entry was read from, and its note says what is unverified.
    expect(snapshot.cost?.source).toMatch(/^https:\/\//);
    expect(snapshot.cost?.note).toContain('training price unverified');
    expect(snapshot.createdAt).toBe('2026-11-01T10:01:00.000Z');
    expect(snapshot.finishedAt).toBeTruthy();
  });

  it('reports why a job failed', async () => {
    const { provider, ref } = await submitted();
    fake.setRaw(ref.remoteId, 'JOB_STATE_FAILED');
    const snapshot = await provider.get(ref);
    expect(snapshot).toMatchObject({
      state: 'failed',
      error: { code: '3', message: 'Training data has invalid rows (line 7).' },
    });
  });

  it('retries reads on 503, 429 and 504, and not on 404', async () => {
    const { provider, ref } = await submitted();
    fake.failReads(503, 429, 504);
    expect((await provider.get(ref)).rawState).toBe('JOB_STATE_PENDING');
    await expect(provider.get({ ...ref, remoteId: `${PARENT}/tuningJobs/999` })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('estimates before submit from the dataset stats, and uses price overrides', () => {
    const stats = data.manifest.stats as unknown as DatasetStats;
    const estimate = makeProvider().price(spec, stats);
    // 12 examples × 40 tokens × 3 epochs × $5/1M.
    expect(estimate).toMatchObject({ estimate: true, amount: 0.0072, currency: 'USD' });
    expect(estimate.basis).toContain('3 epochs');
    const assumed = makeProvider().price({ ...spec, hyperparameters: {} }, stats);
    expect(assumed.basis).toContain('assumed');
    const overridden = makeProvider({
      prices: { 'gemini-2.5-flash': { trainingPer1M: 10, date: '2027-01-01' } },
    }).price(spec, stats);
    expect(overridden).toMatchObject({
      amount: 0.0144,
      date: '2027-01-01',
      // The shared PriceOverrideSchema names an override's source 'user config'.
      source: 'user config',
    });
    let unknown: unknown;
    try {
      makeProvider().price({ ...spec, baseModel: 'gemini-9-ultra' }, stats);
    } catch (error) {
      unknown = error;
    }
    expect(unknown).toMatchObject({ code: 'UNSUPPORTED', hint: expect.stringContaining('vertex.prices') });
  });
});

describe('cancel and events', () => {
  it('cancels a running job, and treats cancelling an ended job as done', async () => {
    const provider = makeProvider();
    const ref = await provider.submit(spec, data, { key: 'x1' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_RUNNING');
    await provider.cancel(ref);
    expect(fake.jobs.get(ref.remoteId)?.cancelRequested).toBe(true);
    expect(await provider.get(ref)).toMatchObject({ state: 'running', rawState: 'JOB_STATE_CANCELLING' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_CANCELLED');
    await expect(provider.cancel(ref)).resolves.toBeUndefined();
    expect((await provider.get(ref)).state).toBe('cancelled');
  });

  it('derives events from the job: created, data stats, observed states, end; resumable with since', async () => {
    const provider = makeProvider();
    const ref = await provider.submit(spec, data, { key: 'x2' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_RUNNING');
    fake.setRaw(ref.remoteId, 'JOB_STATE_PAUSED');
    await provider.get(ref); // a poll sees PAUSED, which leaves no timestamp of its own
    fake.setRaw(ref.remoteId, 'JOB_STATE_RUNNING');
    fake.setRaw(ref.remoteId, 'JOB_STATE_FAILED');
    const events = await collect(provider.events(ref));
    expect(events.map((e) => e.id)).toEqual([
      'created',
      'started',
      'data-stats',
      'state:JOB_STATE_PAUSED:2026-11-01T10:03:00.000Z',
      'ended:JOB_STATE_FAILED',
      'error',
    ]);
    expect(events.find((e) => e.id === 'data-stats')?.metrics).toMatchObject({ billableTokens: 48_000 });
    expect(events.at(-1)).toMatchObject({ level: 'error', message: expect.stringContaining('invalid rows') });
    expect((await collect(provider.events(ref, 'data-stats'))).map((e) => e.id)).toEqual(
      events.slice(3).map((e) => e.id),
    );
    expect(await collect(provider.events(ref, 'error'))).toEqual([]);
  });
});

describe('model handle', () => {
  it('calls generateContent on the tuned endpoint with text, usage and latency', async () => {
    const provider = makeProvider();
    const ref = await provider.submit(spec, data, { key: 'm1' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_RUNNING');
    await expect(provider.model(ref)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_SUCCEEDED');
    const model = await provider.model(ref);
    expect(model.id).toBe(`vertex:${PARENT}/endpoints/e1000`);
    expect(model.price).toMatchObject({ inputPer1M: 0.3, outputPer1M: 2.5 });
    expect((await provider.model(ref.remoteId)).id, 'a tuning job name resolves to its endpoint').toBe(
      model.id,
    );
    fake.failGenerates(503, 429);
    const generation = await model.generate({
      input: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'What is 2+2?' },
      ],
      maxTokens: 16,
      temperature: 0,
      stop: ['\n'],
    });
    expect(generation).toMatchObject({
      text: 'fake tuned answer',
      usage: { inputTokens: 7, outputTokens: 3 },
    });
    expect(generation.latencyMs).toBeGreaterThanOrEqual(0);
    const body = fake.generated.at(-1)?.body;
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello' }] },
        { role: 'user', parts: [{ text: 'What is 2+2?' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      generationConfig: { maxOutputTokens: 16, temperature: 0, stopSequences: ['\n'] },
      labels: {}, // google-gax always sends the map field
    });
    await model.close?.();
  });

  it('serves a publisher model by name', async () => {
    const model = await makeProvider().model('gemini-2.5-flash');
    expect(model.id).toBe(`vertex:${PARENT}/publishers/google/models/gemini-2.5-flash`);
    expect((await model.generate({ input: 'Hello' })).text).toBe('base: fake tuned answer');
    expect(fake.generated.at(-1)?.model).toBe(
      `/v1/${PARENT}/publishers/google/models/gemini-2.5-flash:generateContent`,
    );
  });
});
