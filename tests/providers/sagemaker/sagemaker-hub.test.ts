import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { HubModelDocumentSchema } from '../../../providers/sagemaker/jumpstart-document.js';
import { planHosting } from '../../../providers/sagemaker/jumpstart-hosting.js';
import { planTraining } from '../../../providers/sagemaker/jumpstart-training.js';
import {
  createSageMakerProvider,
  type SageMakerProvider,
} from '../../../providers/sagemaker/sagemaker-provider.js';
import { isPolytuneError, type PolytuneError } from '../../../src/errors.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { useTestServer } from '../../helpers/test-server.js';
import {
  BUCKET,
  createFakeAws,
  type FakeAws,
  fakeClients,
  LLAMA_3_8B,
  REGION,
  ROLE_ARN,
  tempCacheDir,
} from './fake-aws.js';
import { statsOf, writeSageMakerFixture } from './sagemaker-fixture.js';

/**
 * JumpStart models resolved from SageMakerPublicHub (DescribeHubContent), with
 * the hub document driving image, weights, EULA, hyperparameters and lengths.
 * The llama-3-8b document is fixtures/sagemaker/hub (written after a recorded one).
 */
const server = useTestServer();
let fake: FakeAws;
let cacheDir: string;
beforeEach(() => {
  fake = createFakeAws();
  server.use(...fake.handlers);
  cacheDir = tempCacheDir();
});

function provider(extra: Record<string, unknown> = {}): SageMakerProvider {
  return createSageMakerProvider({
    region: REGION,
    roleArn: ROLE_ARN,
    bucket: BUCKET,
    clients: fakeClients(),
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
    cacheDir,
    ...extra,
  });
}
const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  provider: 'sagemaker',
  baseModel: LLAMA_3_8B,
  method: 'sft',
  hyperparameters: {},
  ...over,
});
async function issuesOf(p: SageMakerProvider, s: JobSpec, kind: 'completion' | 'chat' = 'completion') {
  const data = await writeSageMakerFixture({ kind });
  await p.prepare(s, data);
  return p.validate(statsOf(data), s);
}
async function submitError(p: SageMakerProvider, s: JobSpec): Promise<PolytuneError> {
  const error = await p
    .submit(s, await writeSageMakerFixture(), { key: 'hubkey0001' })
    .catch((e: unknown) => e);
  if (!isPolytuneError(error)) throw new Error(`expected a PolytuneError, got ${String(error)}`);
  return error;
}

describe('the hub document schema', () => {
  it('reads the real recorded document of meta-textgeneration-llama-2-13b-f', () => {
    const text = readFileSync(
      new URL(
        '../../../fixtures/sagemaker/hub/meta-textgeneration-llama-2-13b-f.hub-content-document.json',
        import.meta.url,
      ),
      'utf8',
    );
    const doc = HubModelDocumentSchema.parse(JSON.parse(text));
    expect(doc.TrainingSupported).toBe(true);
    expect(doc.GatedBucket).toBe(true);
    expect(doc.DefaultTrainingInstanceType).toBe('ml.g5.24xlarge');
    expect(doc.TrainingInstanceTypeVariants?.Variants.g5?.Properties?.GatedModelEnvVarUri).toBe(
      's3://jumpstart-private-cache-prod-us-east-1/meta-training/g5/v1.0.0/train-meta-textgeneration-llama-2-13b-f.tar.gz',
    );
    expect(doc.Hyperparameters.find((h) => h.Name === 'epoch')).toMatchObject({
      Type: 'int',
      Min: 1,
      Max: 1000,
    });
    expect(doc.InferenceEnvironmentVariables.find((v) => v.Name === 'HF_MODEL_ID')?.Default).toBe(
      '/opt/ml/model',
    );
  });

  it('hosts from the top-ranked inference config of the recorded document (tgi), per instance', () => {
    const text = readFileSync(
      new URL(
        '../../../fixtures/sagemaker/hub/meta-textgeneration-llama-2-13b-f.hub-content-document.json',
        import.meta.url,
      ),
      'utf8',
    );
    const model = {
      id: 'meta-textgeneration-llama-2-13b-f',
      version: '4.0.0',
      document: HubModelDocumentSchema.parse(JSON.parse(text)),
    };
    const hosting = planHosting(model);
    expect(hosting).toMatchObject({
      instanceType: 'ml.g5.12xlarge',
      image:
        '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.1.1-tgi2.0.0-gpu-py310-cu121-ubuntu22.04',
      networkIsolation: true,
    });
    expect(hosting.environment).toMatchObject({
      HF_MODEL_ID: '/opt/ml/model',
      MAX_TOTAL_TOKENS: '4096',
      SM_NUM_GPUS: '4',
    });
    expect(planHosting(model, 'ml.g5.48xlarge').environment.SM_NUM_GPUS).toBe('8');
  });

  it('applies the recorded per-instance defaults (ml.g4dn.12xlarge: int8 on, FSDP off, 2 epochs)', () => {
    const text = readFileSync(
      new URL(
        '../../../fixtures/sagemaker/hub/meta-textgeneration-llama-2-13b-f.hub-content-document.json',
        import.meta.url,
      ),
      'utf8',
    );
    const document = HubModelDocumentSchema.parse(JSON.parse(text));
    const model = { id: 'meta-textgeneration-llama-2-13b-f', version: '4.0.0', document };
    const on = (instanceType: string) =>
      planTraining(model, spec(), { kind: 'completion', acceptEula: true, instanceType }).hyperparameters;
    expect(on('ml.g4dn.12xlarge')).toMatchObject({
      int8_quantization: 'True',
      enable_fsdp: 'False',
      epoch: '2',
    });
    expect(on('ml.g5.24xlarge')).toMatchObject({
      int8_quantization: 'False',
      enable_fsdp: 'True',
      epoch: '1',
    });
  });
});

describe('resolving a JumpStart model from SageMakerPublicHub', () => {
  it('fine-tunes meta-textgeneration-llama-3-8b (unknown to the old catalogue) from its hub document', async () => {
    const ref = await provider({ acceptEula: true }).submit(spec(), await writeSageMakerFixture(), {
      key: 'hubkey0001',
    });
    const [describe] = fake.callsOf('DescribeHubContent');
    expect(describe?.body).toEqual({
      HubName: 'SageMakerPublicHub',
      HubContentType: 'Model',
      HubContentName: LLAMA_3_8B,
    });
    const body = fake.callsOf('CreateTrainingJob')[0]?.body as Record<string, any>;
    expect(body.TrainingJobName).toBe(ref.remoteId);
    expect(body.AlgorithmSpecification.MetricDefinitions).toHaveLength(3);
    expect(body.Tags).toContainEqual({ Key: 'polytune:base-model', Value: `${LLAMA_3_8B}@2.1.0` });
    // Cached by model and version under the cache dir.
    expect(existsSync(join(cacheDir, 'jumpstart', `${LLAMA_3_8B}@2.1.0.json`))).toBe(true);
  });

  it('a pinned version is read from the cache without asking the hub again', async () => {
    await provider().prepare(spec());
    fake.hub.clear(); // the hub "forgets" the model: only the cache can answer now
    const p = provider();
    await p.prepare(spec({ baseModel: `${LLAMA_3_8B}@2.1.0` }));
    expect(fake.callsOf('DescribeHubContent')).toHaveLength(1);
    const data = await writeSageMakerFixture();
    expect(p.price(spec({ baseModel: `${LLAMA_3_8B}@2.1.0` }), statsOf(data)).basis).toContain(
      `${LLAMA_3_8B}@2.1.0`,
    );
  });

  it('when the hub cannot be reached, the newest cached version is used and the plan says so', async () => {
    await provider().prepare(spec());
    fake.failNext('DescribeHubContent', 'server-error', 3);
    const codes = (await issuesOf(provider({ acceptEula: true }), spec())).map((i) => i.code);
    expect(codes).toContain('HUB_OFFLINE');
  });

  it('an unknown model is refused by the hub (ResourceNotFound), before any upload', async () => {
    const issues = await issuesOf(provider(), spec({ baseModel: 'meta-textgeneration-llama-9-1t' }));
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'HUB',
        message: expect.stringMatching(/JumpStart has no model meta-textgeneration-llama-9-1t/),
      }),
    ]);
    const error = await submitError(provider(), spec({ baseModel: 'meta-textgeneration-llama-9-1t' }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(fake.s3Calls).toHaveLength(0);
  });

  it('lists what the hub offers, with source hub, version and date', async () => {
    const models = await provider().listTunableModels?.();
    expect(models).toContainEqual(
      expect.objectContaining({
        id: LLAMA_3_8B,
        source: 'hub',
        date: '2024-11-08',
        notes: expect.stringContaining('version 2.1.0'),
      }),
    );
  });
});

describe('the EULA of a gated model', () => {
  it('is refused without an explicit acceptance, before anything is uploaded', async () => {
    const issues = await issuesOf(provider(), spec());
    expect(issues.find((i) => i.code === 'EULA_REQUIRED')?.message).toContain('llama3Eula.txt');
    const error = await submitError(provider(), spec());
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.hint).toMatch(/accept_eula=true/);
    expect(fake.s3Calls).toHaveLength(0);
    expect(fake.callsOf('CreateTrainingJob')).toHaveLength(0);
  });

  it('is accepted by --hyperparameter accept_eula=true (never sent as a hyperparameter)', async () => {
    await provider().submit(
      spec({ providerHyperparameters: { accept_eula: true } }),
      await writeSageMakerFixture(),
      {
        key: 'hubkey0002',
      },
    );
    const body = fake.callsOf('CreateTrainingJob')[0]?.body as Record<string, any>;
    expect(body.Environment.accept_eula).toBe('true');
    expect(body.HyperParameters.accept_eula).toBeUndefined();
  });
});

describe('per-instance-family variants', () => {
  it('picks the image and gated weights of the chosen family', async () => {
    const p = provider({ acceptEula: true });
    await p.submit(spec({ extra: { instanceType: 'ml.p4d.24xlarge' } }), await writeSageMakerFixture(), {
      key: 'p4dkey0001',
    });
    const body = fake.callsOf('CreateTrainingJob')[0]?.body as Record<string, any>;
    expect(body.ResourceConfig.InstanceType).toBe('ml.p4d.24xlarge');
    expect(body.Environment.SageMakerGatedModelS3Uri).toBe(
      `s3://jumpstart-private-cache-prod-us-east-1/meta-training/p4d/v1.0.0/train-${LLAMA_3_8B}.tar.gz`,
    );
  });

  it('refuses a family the document has no weights for, naming the families it has', async () => {
    const issues = await issuesOf(
      provider({ acceptEula: true }),
      spec({ extra: { instanceType: 'ml.g6.12xlarge' } }),
    );
    expect(issues.find((i) => i.code === 'NO_GATED_WEIGHTS')?.message).toMatch(/for: g5, p4d/);
  });

  it('an open model trains from its (variant) artifact on the model channel, no EULA', async () => {
    const entry = fake.hub.get(LLAMA_3_8B);
    if (!entry) throw new Error('fixture');
    entry.document.GatedBucket = false;
    (entry.document.TrainingInstanceTypeVariants as any).Variants.g5.Properties.TrainingArtifactUri =
      's3://jumpstart-cache-prod-us-east-1/open-training/g5/train-open.tar.gz';
    await provider().submit(spec(), await writeSageMakerFixture(), { key: 'openkey001' });
    const body = fake.callsOf('CreateTrainingJob')[0]?.body as Record<string, any>;
    const model = body.InputDataConfig.find((c: any) => c.ChannelName === 'model');
    expect(model.DataSource.S3DataSource.S3Uri).toBe(
      's3://jumpstart-cache-prod-us-east-1/open-training/g5/train-open.tar.gz',
    );
    expect(model.CompressionType).toBe('Gzip');
    expect(body.Environment).toBeUndefined();
  });
});

describe('hyperparameters validated against the document', () => {
  it('unknown name, wrong type, out of range, not in options: errors before any upload', async () => {
    const issues = await issuesOf(
      provider({ acceptEula: true }),
      spec({
        hyperparameters: { epochs: 5000 },
        providerHyperparameters: {
          lora_rr: 8,
          learning_rate: 'fast',
          lora_dropout: 1.5,
          enable_fsdp: 'Maybe',
          epoch: 2.5,
        },
      }),
    );
    const messages = issues.filter((i) => i.severity === 'error').map((i) => `${i.code}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /UNKNOWN_HYPERPARAMETER: --hyperparameter lora_rr: not a hyperparameter of this model; it takes .*lora_r/,
        ),
        expect.stringMatching(/learning_rate must be a number \(float\)/),
        expect.stringMatching(/lora_dropout must be at most 1, got 1.5/),
        expect.stringMatching(/enable_fsdp must be one of True, False, got Maybe/),
        expect.stringMatching(/epoch must be an integer, got 2.5/),
        expect.stringMatching(/epochs → epoch must be at most 1000, got 5000/),
      ]),
    );
    const error = await submitError(
      provider({ acceptEula: true }),
      spec({ providerHyperparameters: { lora_rr: 8 } }),
    );
    expect(error.message).toMatch(/UNKNOWN_HYPERPARAMETER/);
    expect(fake.s3Calls).toHaveLength(0);
  });

  it('takes values up to 2,500 characters (the service limit) and refuses longer ones', async () => {
    const ok = await issuesOf(
      provider({ acceptEula: true }),
      spec({ providerHyperparameters: { target_modules: 'q'.repeat(2500) } }),
    );
    expect(ok.filter((i) => i.severity === 'error')).toEqual([]);
    const long = await issuesOf(
      provider({ acceptEula: true }),
      spec({ providerHyperparameters: { target_modules: 'q'.repeat(2501) } }),
    );
    expect(long.map((i) => i.message).join('\n')).toMatch(/2501 characters; SageMaker takes at most 2500/);
  });

  it('a common knob the document lacks is a warning, not an error', async () => {
    const entry = fake.hub.get(LLAMA_3_8B);
    if (!entry) throw new Error('fixture');
    entry.document.Hyperparameters = (entry.document.Hyperparameters as { Name: string }[]).filter(
      (h) => h.Name !== 'lora_alpha',
    );
    const issues = await issuesOf(
      provider({ acceptEula: true }),
      spec({ hyperparameters: { loraAlpha: 16 } }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'IGNORED_HYPERPARAMETER' }),
    );
  });
});

describe('max_input_length from the data', () => {
  it('is set to the longest example and names, by line, the examples a smaller value cuts', async () => {
    const data = await writeSageMakerFixture();
    // Line 4 becomes much longer than the others.
    const file = join(data.dir, 'sagemaker', 'train.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[3] = JSON.stringify({ instruction: 'word '.repeat(300), context: '', response: 'ok' });
    await writeFile(file, `${lines.join('\n')}\n`);
    const p = provider({ acceptEula: true });
    await p.submit(spec(), data, { key: 'lenkey0001' });
    const sent = Number(
      (fake.callsOf('CreateTrainingJob')[0]?.body as any)?.HyperParameters.max_input_length,
    );
    expect(sent).toBeGreaterThan(300);

    const capped = spec({ providerHyperparameters: { max_input_length: 64 } });
    await p.prepare(capped, data);
    const cut = p.validate(statsOf(data), capped).filter((i) => i.code === 'TRUNCATED');
    expect(cut).toEqual([
      expect.objectContaining({
        severity: 'warning',
        file: 'sagemaker/train.jsonl',
        line: 4,
        message: expect.stringMatching(/max_input_length 64 cuts it/),
      }),
    ]);
  });
});

describe('the fake rejects what SageMaker would', () => {
  it('a training image that is not the hub document one', async () => {
    const entry = fake.hub.get(LLAMA_3_8B);
    if (!entry) throw new Error('fixture');
    const p = provider({ acceptEula: true });
    await p.prepare(spec());
    // The hub changes the image after polytune read it: the create names a stale image.
    (entry.document.TrainingInstanceTypeVariants as any).Variants.g5.Properties.ImageUri =
      'example.invalid/other:1';
    const error = await submitError(p, spec());
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/Training image .* is not the image/);
  });
});

describe('errors carry the request id', () => {
  it('a 500 and a throttle from SageMaker keep status and x-amzn-requestid on the error', async () => {
    const p = provider({ acceptEula: true });
    fake.failNext('DescribeTrainingJob', 'server-error', 3);
    const five = (await p
      .get({ provider: 'sagemaker', key: 'k', remoteId: 'polytune-k' })
      .catch((e: unknown) => e)) as PolytuneError;
    expect(five.http).toMatchObject({
      provider: 'sagemaker',
      status: 500,
      requestId: expect.stringMatching(/^fake-req-\d+$/),
    });
    fake.failNext('DescribeTrainingJob', 'throttle', 3);
    const slow = (await p
      .get({ provider: 'sagemaker', key: 'k', remoteId: 'polytune-k' })
      .catch((e: unknown) => e)) as PolytuneError;
    expect(slow.code).toBe('RATE_LIMIT');
    expect(slow.http).toMatchObject({
      provider: 'sagemaker',
      status: 400,
      requestId: expect.stringMatching(/^fake-req-\d+$/),
    });
  });
});

describe('awsHttpExchange', () => {
  it('reads the request id from the x-amzn-requestid header when $metadata lacks it, and names the operation', async () => {
    const { toPolytuneError } = await import('../../../providers/sagemaker/sagemaker-errors.js');
    const raw = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
      $response: { statusCode: 429, headers: { 'x-amzn-requestid': 'b7c1-header-only' } },
    });
    const error = toPolytuneError(raw, 'CreateTrainingJob polytune-abc');
    expect(error.code).toBe('RATE_LIMIT');
    expect(error.http).toEqual({
      provider: 'sagemaker',
      status: 429,
      requestId: 'b7c1-header-only',
      method: 'POST',
      bodyExcerpt: 'CreateTrainingJob: ThrottlingException: Rate exceeded',
    });
    // No HTTP answer at all (a dropped connection): no exchange to quote.
    expect(
      toPolytuneError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'X').http,
    ).toBeUndefined();
  });
});
