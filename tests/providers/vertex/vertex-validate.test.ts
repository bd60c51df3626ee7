import { describe, expect, it } from 'vitest';
import { toPolytuneError } from '../../../providers/vertex/vertex-errors.js';
import { keyLabelValue } from '../../../providers/vertex/vertex-labels.js';
import { modelResource } from '../../../providers/vertex/vertex-model.js';
import { requireProject, resolveVertexOptions } from '../../../providers/vertex/vertex-options.js';
import { createVertexProvider } from '../../../providers/vertex/vertex-provider.js';
import { tunableModelList } from '../../../providers/vertex/vertex-tunable-models.js';
import { validateForVertex } from '../../../providers/vertex/vertex-validate.js';
import type { DatasetStats, TokenDistribution } from '../../../src/dataset/dataset-stats.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';

const dist = (max: number, count: number): TokenDistribution => ({
  min: 10,
  p50: 50,
  p90: 90,
  max,
  mean: 50,
  total: 50 * count,
});

function stats(
  overrides: { train?: number; validation?: number; maxTokens?: number; approximate?: boolean } = {},
): DatasetStats {
  const train = overrides.train ?? 500;
  const validation = overrides.validation ?? 50;
  return {
    kind: 'chat',
    examples: { train, validation, test: 50, total: train + validation + 50 },
    tokens: {
      tokenizer: 'o200k_base',
      approximate: overrides.approximate ?? true,
      train: dist(overrides.maxTokens ?? 400, train),
      validation: dist(300, validation),
    },
  };
}

const spec: JobSpec = {
  provider: 'vertex',
  baseModel: 'gemini-2.5-flash',
  method: 'sft',
  hyperparameters: {},
};
const codes = (s: DatasetStats, j: JobSpec = spec, location?: string) =>
  validateForVertex(s, j, location).map((i) => `${i.severity}:${i.code}`);

describe('validate: Gemini tuning limits before any upload', () => {
  it('passes a dataset inside the limits', () => {
    expect(codes(stats())).toEqual([]);
  });

  it('refuses more than 5,000 validation examples, saying what to do', () => {
    const [issue] = validateForVertex(stats({ validation: 5_001 }), spec);
    expect(issue).toMatchObject({ severity: 'error', code: 'VERTEX_VALIDATION_TOO_LARGE' });
    expect(issue?.message).toContain('5,001');
    expect(issue?.message).toContain('smaller validation fraction');
    expect(codes(stats({ train: 20_000, validation: 5_000 }))).toEqual([]);
  });

  it('refuses a validation split over 30% of training, naming the allowed size', () => {
    const [issue] = validateForVertex(stats({ train: 500, validation: 151 }), spec);
    expect(issue).toMatchObject({ severity: 'error', code: 'VERTEX_VALIDATION_TOO_LARGE' });
    expect(issue?.message).toContain('30% of training (150 here)');
    expect(codes(stats({ train: 500, validation: 150 }))).toEqual([]);
  });

  it('refuses an example over 131,072 tokens and warns near the limit when counts are approximate', () => {
    expect(codes(stats({ maxTokens: 131_073 }))).toEqual(['error:VERTEX_EXAMPLE_TOO_LONG']);
    expect(codes(stats({ maxTokens: 125_000 }))).toEqual(['warning:VERTEX_EXAMPLE_NEAR_LIMIT']);
    expect(codes(stats({ maxTokens: 125_000, approximate: false }))).toEqual([]);
  });

  it('warns on few examples, refuses none, and refuses preference data and other methods', () => {
    expect(codes(stats({ train: 20, validation: 6 }))).toEqual(['warning:VERTEX_FEW_EXAMPLES']);
    expect(codes(stats({ train: 0 }))).toContain('error:VERTEX_EMPTY');
    expect(codes({ ...stats(), kind: 'preference' })).toContain('error:VERTEX_KIND');
    expect(codes(stats(), { ...spec, method: 'dpo' })).toContain('error:VERTEX_KIND');
    expect(codes(stats(), { ...spec, method: 'reinforcement' })).toContain('error:VERTEX_METHOD');
    expect(codes({ ...stats(), kind: 'preference' }, { ...spec, method: 'dpo' })).toEqual([]);
  });

  it('maps loraRank to an adapter size, and flags hyperparameters Gemini has not', () => {
    expect(codes(stats(), { ...spec, hyperparameters: { loraRank: 8 } })).toEqual([]);
    expect(codes(stats(), { ...spec, hyperparameters: { loraRank: 3 } })).toEqual([
      'error:VERTEX_ADAPTER_SIZE',
    ]);
    expect(codes(stats(), { ...spec, hyperparameters: { learningRate: 1e-4, batchSize: 8 } })).toEqual([
      'warning:VERTEX_HYPERPARAMETER_IGNORED',
      'warning:VERTEX_HYPERPARAMETER_IGNORED',
    ]);
  });
});

describe('validate: the table of tunable models', () => {
  it('refuses a base model Vertex no longer tunes, naming the tunable ones', () => {
    const [issue, ...rest] = validateForVertex(stats(), { ...spec, baseModel: 'gemini-2.0-flash-001' });
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ severity: 'error', code: 'VERTEX_MODEL' });
    for (const id of ['gemini-3.5-flash', 'gemini-3.1-flash-lite', 'gemini-2.5-pro', 'gemini-2.5-flash-lite'])
      expect(issue?.message).toContain(id);
    expect(codes(stats(), { ...spec, baseModel: 'gemini-2.5-flash-001' })).toEqual([]);
    expect(
      codes(stats(), {
        ...spec,
        baseModel: 'projects/p/locations/l/publishers/google/models/gemini-2.5-pro',
      }),
    ).toEqual([]);
  });

  it('refuses adapter sizes the model does not take: 16 on 2.5 Pro, 32 everywhere', () => {
    const pro = { ...spec, baseModel: 'gemini-2.5-pro', hyperparameters: { loraRank: 16 } };
    const [issue] = validateForVertex(stats(), pro);
    expect(issue).toMatchObject({ code: 'VERTEX_ADAPTER_SIZE' });
    expect(issue?.message).toContain('use one of 1, 2, 4, 8.');
    expect(codes(stats(), { ...pro, hyperparameters: { loraRank: 8 } })).toEqual([]);
    expect(codes(stats(), { ...spec, hyperparameters: { loraRank: 16 } })).toEqual([]);
    expect(codes(stats(), { ...spec, hyperparameters: { loraRank: 32 } })).toEqual([
      'error:VERTEX_ADAPTER_SIZE',
    ]);
  });

  it('refuses a Gemini 3 tuning region outside us-central1 and europe-west4', () => {
    const three = { ...spec, baseModel: 'gemini-3.5-flash' };
    const [issue] = validateForVertex(stats(), three, 'asia-northeast1');
    expect(issue).toMatchObject({ code: 'VERTEX_REGION' });
    expect(issue?.message).toContain('us-central1 or europe-west4');
    expect(codes(stats(), three, 'europe-west4')).toEqual([]);
    expect(codes(stats(), three, 'us-east1')).toEqual(['error:VERTEX_REGION']);
    expect(codes(stats(), spec, 'asia-northeast1')).toEqual([]);
  });

  it('lists the table with its sources and dates, saying what is unverified', () => {
    const list = tunableModelList();
    expect(list.map((m) => m.id)).toContain('gemini-3.1-flash-lite');
    expect(list.map((m) => m.id)).not.toContain('gemini-2.0-flash');
    for (const model of list) {
      expect(model).toMatchObject({ source: 'table', date: '2026-12-06' });
      expect(model.sourceUrl).toMatch(/^https:\/\/(docs\.)?cloud\.google\.com\//);
    }
    expect(list.find((m) => m.id === 'gemini-2.5-pro')?.notes).toContain('adapter sizes 1, 2, 4, 8;');
    expect(list.find((m) => m.id === 'gemini-3.5-flash')?.notes).toContain('us/eu multi-region');
  });
});

describe('validate: the table can be overridden in config', () => {
  it('a model Google added first is tunable once listed under vertex.tunableModels, and listed as config', async () => {
    const provider = createVertexProvider({
      tunableModels: { 'gemini-4-flash': { adapterSizes: [1, 4], tuningRegions: ['us-central1'] } },
    });
    const next = { ...spec, baseModel: 'gemini-4-flash' };
    expect(provider.validate(stats(), next)).toEqual([]);
    expect(
      provider.validate(stats(), { ...next, hyperparameters: { loraRank: 8 } }).map((i) => i.code),
    ).toEqual(['VERTEX_ADAPTER_SIZE']);
    expect(
      createVertexProvider()
        .validate(stats(), next)
        .map((i) => i.code),
    ).toEqual(['VERTEX_MODEL']);
    const listed = (await provider.listTunableModels?.())?.find((m) => m.id === 'gemini-4-flash');
    expect(listed).toMatchObject({ source: 'config', date: 'user config' });
    expect(() => createVertexProvider({ tunableModels: { x: { adapterSize: [1] } as never } })).toThrow(
      /adapterSize/,
    );
  });
});

describe('options, labels, model refs, errors', () => {
  it('takes project, location and bucket from the environment and explains what is missing', () => {
    const resolved = resolveVertexOptions({}, { GOOGLE_CLOUD_PROJECT: 'p1', POLYTUNE_VERTEX_BUCKET: 'b-1' });
    expect(resolved).toMatchObject({
      project: 'p1',
      location: 'us-central1',
      bucket: 'b-1',
      prefix: 'polytune',
    });
    // A missing project is fine until a remote call needs it (dry runs and estimates work without one).
    const noProject = resolveVertexOptions({}, {});
    let missing: unknown;
    try {
      requireProject(noProject);
    } catch (error) {
      missing = error;
    }
    expect(missing).toMatchObject({
      code: 'INVALID_INPUT',
      hint: expect.stringContaining('GOOGLE_CLOUD_PROJECT'),
    });
    expect(() => resolveVertexOptions({ project: 'p', bucket: 'gs://b' }, {})).toThrow(
      // z.prettifyError: the message, then the path.
      /expected a bucket name[\s\S]*at bucket/,
    );
    expect(() => resolveVertexOptions({ project: 'p', location: 'US Central' }, {})).toThrow(/location/);
  });

  it('keeps polytune keys as label values and hashes anything else into the label charset', () => {
    expect(keyLabelValue('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    const hashed = keyLabelValue('Not/A Label!');
    expect(hashed).toMatch(/^[a-z0-9_-]{1,63}$/);
    expect(keyLabelValue('Not/A Label!')).toBe(hashed);
    expect(keyLabelValue('Not/A Label?')).not.toBe(hashed);
    expect(keyLabelValue('x'.repeat(64))).toMatch(/^h-[0-9a-f]{40}$/);
  });

  it('resolves model refs to resource names', () => {
    expect(modelResource('gemini-2.5-flash', 'p', 'l')).toBe(
      'projects/p/locations/l/publishers/google/models/gemini-2.5-flash',
    );
    expect(modelResource('vertex:projects/p/locations/l/endpoints/9', 'x', 'y')).toBe(
      'projects/p/locations/l/endpoints/9',
    );
    expect(modelResource('endpoints/9', 'p', 'l')).toBe('projects/p/locations/l/endpoints/9');
    expect(() => modelResource('not a model', 'p', 'l')).toThrow(/Not a Vertex AI model reference/);
  });

  it('turns gRPC codes and raw HTTP errors into coded errors with hints; only 8/14/4 are retryable', () => {
    const grpc = (code: number) => Object.assign(new Error('x'), { code });
    expect(toPolytuneError(grpc(8), 'a')).toMatchObject({ code: 'RATE_LIMIT', isRetryable: true });
    expect(toPolytuneError(grpc(14), 'a')).toMatchObject({ code: 'PROVIDER', isRetryable: true });
    expect(toPolytuneError(grpc(4), 'a')).toMatchObject({ code: 'TIMEOUT', isRetryable: true });
    expect(toPolytuneError(grpc(7), 'a')).toMatchObject({ code: 'PERMISSION', isRetryable: false });
    expect(toPolytuneError(grpc(16), 'a')).toMatchObject({ code: 'AUTH', isRetryable: false });
    expect(toPolytuneError(grpc(13), 'a')).toMatchObject({ code: 'PROVIDER', isRetryable: false });
    const raw503 = Object.assign(new Error(''), {
      name: 'GaxiosError',
      code: 503,
      status: 503,
      response: { status: 503, headers: new Headers({ 'retry-after': '2' }) },
    });
    expect(toPolytuneError(raw503, 'a')).toMatchObject({
      code: 'PROVIDER',
      isRetryable: true,
      retryAfterMs: 2000,
    });
    const quota = Object.assign(new Error('{"error":{"status":"RESOURCE_EXHAUSTED"}}'), {
      response: { status: 429, data: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } } },
    });
    expect(toPolytuneError(quota, 'a')).toMatchObject({ code: 'RATE_LIMIT', isRetryable: true });
    const leaked = toPolytuneError(grpc(3), 'a');
    expect(leaked.hint).toBeTruthy();
  });

  it('never puts a bearer token into an error message', () => {
    const error = Object.assign(new Error('Authorization: Bearer ya29.a0AfH6SMBx_secret_token_value_123'), {
      code: 16,
    });
    expect(toPolytuneError(error, 'a').message).not.toContain('ya29.a0AfH6SMBx_secret_token_value_123');
  });
});
