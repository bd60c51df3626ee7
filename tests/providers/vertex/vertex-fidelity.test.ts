import { rm } from 'node:fs/promises';
import aiplatform from '@google-cloud/aiplatform';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toPolytuneError } from '../../../providers/vertex/vertex-errors.js';
import { createVertexProvider, type VertexOptions } from '../../../providers/vertex/vertex-provider.js';
import { printError } from '../../../src/cli/main.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { isPolytuneError, type PolytuneError } from '../../../src/errors.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import type { Provider } from '../../../src/provider.js';
import { checkRequestAgainstDiscovery, discoveryErrors } from '../../helpers/discovery-contract.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeVertex, type FakeVertex, PROJECT, testAuthClient } from './fake-vertex.js';

/**
 * What a real account accepts and refuses (issue 12, Vertex part), and the
 * provenance of a failed call (issue 16): every request still goes through
 * the real SDKs to the msw fake, and every Vertex body is checked against the
 * discovery document with closed schemas.
 */
let fake: FakeVertex = createFakeVertex();
const server = useTestServer();
const cleanup: string[] = [];

const noWait = async () => {};
const sft: JobSpec = {
  provider: 'vertex',
  baseModel: 'gemini-2.5-flash',
  method: 'sft',
  hyperparameters: {},
};

function makeProvider(overrides: Partial<VertexOptions> = {}): Provider {
  return createVertexProvider({
    project: PROJECT,
    location: 'us-central1',
    bucket: BUCKET,
    authClient: testAuthClient(),
    retry: { retries: 0, baseDelayMs: 1, sleep: noWait },
    ...overrides,
  });
}

async function prepared(kind: 'chat' | 'preference' = 'chat'): Promise<PreparedData> {
  const data = await writePreparedFixture({ providers: ['vertex'], kind });
  cleanup.push(data.dir);
  return data;
}

const vertexRequests = () => server.captured.filter((r) => /aiplatform\./.test(new URL(r.url).hostname));
const creates = () => vertexRequests().filter((r) => r.method === 'POST' && /\/tuningJobs(\?|$)/.test(r.url));

async function failure(promise: Promise<unknown>): Promise<PolytuneError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPolytuneError(error)) throw new Error(`expected a PolytuneError, got ${String(error)}`);
  return error;
}

beforeEach(() => {
  fake = createFakeVertex();
  server.use(...fake.handlers);
});

afterEach(async () => {
  for (const request of vertexRequests()) {
    const check = checkRequestAgainstDiscovery(request);
    expect(check.errors, `${check.method} ${request.url}`).toEqual([]);
  }
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

const untunable: [JobSpec, VertexOptions, string][] = [
  [{ ...sft, baseModel: 'gemini-2.0-flash-001' }, {}, 'not supported for tuning'],
  [{ ...sft, baseModel: 'gemini-2.5-pro', hyperparameters: { loraRank: 16 } }, {}, 'ADAPTER_SIZE_SIXTEEN'],
  [{ ...sft, baseModel: 'gemini-3.5-flash' }, { location: 'asia-northeast1' }, 'asia-northeast1'],
];

describe('a model, adapter size or region Vertex does not tune', () => {
  it('is refused by the provider before any request, at plan time and at submit', async () => {
    const data = await prepared();
    const stats = data.manifest.stats as never;
    for (const [spec, settings] of untunable) {
      const provider = makeProvider(settings);
      expect(provider.validate(stats, spec).filter((i) => i.severity === 'error')).toHaveLength(1);
      const error = await failure(provider.submit(spec, data, { key: `k-${spec.baseModel}` }));
      expect(error).toMatchObject({
        code: 'INVALID_INPUT',
        hint: expect.stringContaining('polytune models'),
      });
    }
    expect(server.captured).toEqual([]);
  });

  it('is refused by the fake as the service does (a Google error body), when the SDK sends it anyway', async () => {
    const ADAPTER: Record<number, string> = { 16: 'ADAPTER_SIZE_SIXTEEN' };
    for (const [spec, settings, says] of untunable) {
      const location = settings.location ?? 'us-central1';
      const client = new aiplatform.v1.GenAiTuningServiceClient({
        fallback: true,
        apiEndpoint: `${location}-aiplatform.googleapis.com`,
        authClient: testAuthClient(),
      } as never);
      const rank = spec.hyperparameters.loraRank;
      const tuningJob = {
        baseModel: spec.baseModel,
        supervisedTuningSpec: {
          trainingDatasetUri: 'gs://b/t.jsonl',
          ...(rank ? { hyperParameters: { adapterSize: ADAPTER[rank] as never } } : {}),
        },
      };
      const error = await client
        .createTuningJob({ parent: `projects/${PROJECT}/locations/${location}`, tuningJob })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const polytune = toPolytuneError(error, 'creating');
      expect(polytune.code).toBe('INVALID_INPUT');
      expect(polytune.message).toContain(says);
      expect(polytune.http).toMatchObject({ provider: 'vertex', status: 400, method: 'POST' });
      expect(polytune.http?.bodyExcerpt).toContain('"status":"INVALID_ARGUMENT"');
    }
    expect(fake.jobs.size).toBe(0);
  });
});

describe('preference tuning', () => {
  it('sends preferenceOptimizationSpec (beta, epochCount, adapterSize) that validates as a TuningJob', async () => {
    const data = await prepared('preference');
    const spec: JobSpec = {
      provider: 'vertex',
      baseModel: 'gemini-2.5-flash',
      method: 'dpo',
      hyperparameters: { epochs: 2, beta: 0.1, loraRank: 4, learningRateMultiplier: 0.5 },
    };
    const ref = await makeProvider().submit(spec, data, { key: 'pref-1' });
    const [create] = creates();
    const body = JSON.parse(create?.body ?? '{}');
    expect(discoveryErrors('GoogleCloudAiplatformV1TuningJob', body)).toEqual([]);
    expect(body.supervisedTuningSpec).toBeUndefined();
    expect(body.preferenceOptimizationSpec).toEqual({
      trainingDatasetUri: `gs://${BUCKET}/polytune/data/${data.manifest.compiled.vertex?.train.sha256}.jsonl`,
      validationDatasetUri: `gs://${BUCKET}/polytune/data/${data.manifest.compiled.vertex?.validation?.sha256}.jsonl`,
      hyperParameters: {
        epochCount: '2',
        beta: 0.1,
        adapterSize: 'ADAPTER_SIZE_FOUR',
        learningRateMultiplier: 0.5,
      },
    });
    expect(create?.headers.authorization).toBe('Bearer test-access-token');
    expect(ref.remoteId).toMatch(/tuningJobs\/\d+$/);
    // The job is then read back through the SDK like any other.
    expect((await makeProvider().get(ref)).state).toBe('validating');
  });
});

describe('Gemini 3 tuned models', () => {
  it('are called on the `us` multi-region endpoint, not the tuning region', async () => {
    const data = await prepared();
    const provider = makeProvider();
    const ref = await provider.submit({ ...sft, baseModel: 'gemini-3.5-flash' }, data, { key: 'three' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_SUCCEEDED');
    const model = await provider.model(ref);
    expect(model.id).toBe(
      `vertex:projects/${PROJECT}/locations/us/endpoints/e${ref.remoteId.split('/').pop()}`,
    );
    expect((await model.generate({ input: 'hi' })).text).toBe('fake tuned answer');
    const call = vertexRequests().find((r) => r.url.includes(':generateContent'));
    expect(new URL(call?.url ?? 'x:').hostname).toBe('aiplatform.us.rep.googleapis.com');
  });

  it('a 2.5 tuned model stays on its regional endpoint', async () => {
    const data = await prepared();
    const provider = makeProvider({ location: 'europe-west4' });
    const ref = await provider.submit(sft, data, { key: 'two-five' });
    fake.setRaw(ref.remoteId, 'JOB_STATE_SUCCEEDED');
    await (await provider.model(ref)).generate({ input: 'hi' });
    const call = vertexRequests().find((r) => r.url.includes(':generateContent'));
    expect(new URL(call?.url ?? 'x:').hostname).toBe('europe-west4-aiplatform.googleapis.com');
  });
});

describe('storageEndpoint', () => {
  const endpoint = 'https://storage.private.example';
  const gcs = () => server.captured.filter((r) => r.url.startsWith(endpoint));

  it('authenticates uploads like the default endpoint', async () => {
    await makeProvider({ storageEndpoint: endpoint }).submit(sft, await prepared(), { key: 'private' });
    expect(gcs().length).toBeGreaterThan(0);
    for (const request of gcs())
      expect(request.headers.authorization, request.url).toBe('Bearer test-access-token');
  });

  it('sends no credentials to an emulator when told so', async () => {
    await makeProvider({ storageEndpoint: endpoint, storageEmulator: true }).submit(sft, await prepared(), {
      key: 'emulator',
    });
    expect(gcs().length).toBeGreaterThan(0);
    for (const request of gcs()) expect(request.headers.authorization, request.url).toBeUndefined();
  });
});

describe('errors carry the HTTP exchange and Google request id', () => {
  async function readFailure(arrange: () => void): Promise<PolytuneError> {
    const provider = makeProvider();
    const ref = await provider.submit(sft, await prepared(), { key: 'read' });
    arrange();
    return failure(provider.get(ref));
  }

  function cliOutput(error: unknown): string {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      printError(error, false);
    } finally {
      spy.mockRestore();
    }
    return lines.join('');
  }

  it('a 429 with a RequestInfo detail in the body', async () => {
    const error = await readFailure(() => fake.failReadWithRequestInfo(429, 'req-429-body'));
    expect(error.code).toBe('RATE_LIMIT');
    expect(error.http).toMatchObject({
      provider: 'vertex',
      status: 429,
      requestId: 'req-429-body',
      method: 'GET',
    });
    expect(error.http?.url).toMatch(
      /^https:\/\/us-central1-aiplatform\.googleapis\.com\/v1\/projects\/.*\/tuningJobs\/\d+$/,
    );
    expect(cliOutput(error)).toContain('request id: req-429-body (vertex, HTTP 429)');
  });

  it('a 500 with the x-goog-request-id header', async () => {
    const error = await readFailure(() => fake.failReads(500));
    expect(error.code).toBe('PROVIDER');
    expect(error.http).toMatchObject({ provider: 'vertex', status: 500, requestId: 'fake-read-1' });
    expect(cliOutput(error)).toContain('request id: fake-read-1 (vertex, HTTP 500)');
  });
});

describe('prices carry their source, date and notes; unknown stays unknown', () => {
  it('a training estimate names its source and says what is unverified; 2.5 Pro notes its second tier', async () => {
    const data = await prepared();
    const stats = data.manifest.stats as never;
    const estimate = makeProvider().price({ ...sft, hyperparameters: { epochs: 1 } }, stats);
    expect(estimate.source).toMatch(/^https:\/\//);
    expect(estimate.date).toBe('2026-12-06');
    expect(estimate.note).toContain('training price unverified');
    const pro = makeProvider().price(
      { ...sft, baseModel: 'gemini-2.5-pro', hyperparameters: { epochs: 1 } },
      stats,
    );
    expect(pro.note).toContain('above 200K tokens');
    const unknown = await failure(
      Promise.resolve().then(() => makeProvider().price({ ...sft, baseModel: 'gemini-3.5-flash' }, stats)),
    );
    expect(unknown).toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('unknown, not $0'),
    });
  });

  it('a base model evaluated as vertex:gemini-2.5-flash is priced; a model without an entry has no price', async () => {
    const base = await makeProvider().model('vertex:gemini-2.5-flash');
    expect(base.price).toMatchObject({ inputPer1M: 0.3, outputPer1M: 2.5, date: '2026-12-06' });
    expect((await makeProvider().model('vertex:gemini-3.5-flash')).price).toBeUndefined();
  });
});
