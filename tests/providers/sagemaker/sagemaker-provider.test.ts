import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { trainingJobName } from '../../../providers/sagemaker/sagemaker-names.js';
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
  REGION,
  ROLE_ARN,
  tempCacheDir,
} from './fake-aws.js';
import { statsOf, writeSageMakerFixture } from './sagemaker-fixture.js';

const server = useTestServer();
const KEY = 'job0123456789abcdef';
const spec: JobSpec = {
  provider: 'sagemaker',
  baseModel: 'meta-textgeneration-llama-3-1-8b-instruct',
  method: 'sft',
  hyperparameters: { epochs: 2, learningRate: 0.0002, loraRank: 16, seed: 7 },
};

let fake: FakeAws;
function makeProvider(extra: Record<string, unknown> = {}): SageMakerProvider {
  return createSageMakerProvider({
    region: REGION,
    roleArn: ROLE_ARN,
    bucket: BUCKET,
    prefix: 'ft',
    clients: fakeClients(),
    retry: { retries: 4, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
    acceptEula: true,
    cacheDir: tempCacheDir(),
    ...extra,
  });
}

beforeEach(() => {
  fake = createFakeAws();
  server.use(...fake.handlers);
});

describe('submit', () => {
  it('uploads the compiled files under one content-hash prefix and creates one JumpStart training job', async () => {
    const data = await writeSageMakerFixture();
    const uploads: string[] = [];
    const ref = await makeProvider().submit(spec, data, {
      key: KEY,
      onUpload: (u) => void uploads.push(u.remoteId),
    });

    expect(ref).toEqual({ provider: 'sagemaker', key: KEY, remoteId: `polytune-${KEY}` });
    const keys = [...fake.objects.keys()];
    expect(keys).toHaveLength(3);
    const prefix = keys[0]?.split('/').slice(0, 3).join('/');
    expect(prefix).toMatch(/^ft\/data\/[0-9a-f]{32}$/);
    expect(keys.sort()).toEqual(
      [
        `${prefix}/train/template.json`,
        `${prefix}/train/train.jsonl`,
        `${prefix}/validation/validation.jsonl`,
      ].sort(),
    );
    expect(uploads).toHaveLength(3);
    expect(fake.objects.get(`${prefix}/train/train.jsonl`)?.metadata.sha256).toBe(
      data.manifest.compiled.sagemaker?.train.sha256,
    );

    const [create] = fake.callsOf('CreateTrainingJob');
    const body = create?.body as Record<string, any>;
    expect(body.TrainingJobName).toBe(`polytune-${KEY}`);
    expect(body.RoleArn).toBe(ROLE_ARN);
    expect(body.AlgorithmSpecification.TrainingImage).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.0.0-transformers4.28.1-gpu-py310-cu118-ubuntu20.04',
    );
    const channels = Object.fromEntries(body.InputDataConfig.map((c: any) => [c.ChannelName, c]));
    // Gated weights never ride the model channel: the script reads them from SageMakerGatedModelS3Uri.
    expect(Object.keys(channels).sort()).toEqual(['code', 'training', 'validation']);
    expect(channels.training.DataSource.S3DataSource.S3Uri).toBe(`s3://${BUCKET}/${prefix}/train/`);
    expect(channels.validation.DataSource.S3DataSource.S3Uri).toBe(`s3://${BUCKET}/${prefix}/validation/`);
    expect(channels.code.DataSource.S3DataSource.S3Uri).toBe(
      's3://jumpstart-cache-prod-us-east-1/source-directory-tarballs/meta/transfer_learning/textgeneration/prepack/v1.0.1/sourcedir.tar.gz',
    );
    expect(body.Environment).toEqual({
      SageMakerGatedModelS3Uri:
        's3://jumpstart-private-cache-prod-us-east-1/meta-training/g5/v1.0.0/train-meta-textgeneration-llama-3-1-8b-instruct.tar.gz',
      accept_eula: 'true',
    });
    expect(body.EnableNetworkIsolation).toBe(true);

    const hp = body.HyperParameters as Record<string, unknown>;
    for (const value of Object.values(hp)) expect(typeof value).toBe('string');
    expect(hp).toMatchObject({
      epoch: '2',
      learning_rate: '0.0002',
      lora_r: '16',
      seed: '7',
      instruction_tuned: 'True',
      chat_dataset: 'False',
      sagemaker_program: 'transfer_learning.py',
      sagemaker_submit_directory: '/opt/ml/input/data/code/sourcedir.tar.gz',
    });
    for (const name of ['lora_alpha', 'lora_dropout', 'per_device_train_batch_size', 'max_input_length']) {
      expect(hp[name], name).toBeTypeOf('string');
    }
    expect(body.OutputDataConfig).toEqual({
      S3OutputPath: `s3://${BUCKET}/ft/output/`,
      CompressionType: 'NONE',
    });
    expect(body.ResourceConfig).toEqual({
      InstanceType: 'ml.g5.12xlarge',
      InstanceCount: 1,
      VolumeSizeInGB: 256,
    });
    // The hub document's MaxRuntimeInSeconds.
    expect(body.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 360000 });
    expect(body.Tags).toContainEqual({
      Key: 'polytune:base-model',
      Value: 'meta-textgeneration-llama-3-1-8b-instruct@2.1.0',
    });
    expect(body.Tags).toContainEqual({ Key: 'polytune:job-key', Value: KEY });
  });

  it('compiles chat data to the dialog variant (chat_dataset True) and honours spec.extra and --hyperparameter', async () => {
    const data = await writeSageMakerFixture({ kind: 'chat' });
    await makeProvider().submit(
      {
        ...spec,
        extra: { instanceType: 'ml.g5.48xlarge' },
        providerHyperparameters: { int8_quantization: 'True', enable_fsdp: false, max_input_length: 2048 },
      },
      data,
      { key: KEY },
    );
    const body = fake.callsOf('CreateTrainingJob')[0]?.body as Record<string, any>;
    expect(body.HyperParameters).toMatchObject({
      chat_dataset: 'True',
      instruction_tuned: 'False',
      int8_quantization: 'True',
      enable_fsdp: 'False',
      max_input_length: '2048',
    });
    expect(body.ResourceConfig.InstanceType).toBe('ml.g5.48xlarge');
    expect([...fake.objects.keys()].some((k) => k.endsWith('template.json'))).toBe(false);
  });

  it('re-attaches to the existing job on a second submit: no upload, no second create', async () => {
    const data = await writeSageMakerFixture();
    const a = await makeProvider().submit(spec, data, { key: KEY });
    const puts = fake.s3Calls.filter((c) => c.method === 'PUT').length;
    const b = await makeProvider().submit(spec, data, { key: KEY });
    expect(b).toEqual(a);
    expect(fake.jobs.size).toBe(1);
    expect(fake.callsOf('CreateTrainingJob')).toHaveLength(1);
    expect(fake.s3Calls.filter((c) => c.method === 'PUT').length).toBe(puts);
  });

  it('skips objects that already exist under the content-hash prefix', async () => {
    const data = await writeSageMakerFixture();
    await makeProvider().submit(spec, data, { key: KEY });
    fake.s3Calls.length = 0;
    await makeProvider().submit(spec, data, { key: 'anotherkey42' });
    expect(fake.s3Calls.filter((c) => c.method === 'HEAD')).toHaveLength(3);
    expect(fake.s3Calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    expect(fake.jobs.size).toBe(2);
  });

  it('uploads large files as multipart through lib-storage', async () => {
    const data = await writeSageMakerFixture({ padTrainToBytes: 6 * 1024 * 1024 });
    await makeProvider({ multipartThresholdBytes: 1024 * 1024 }).submit(spec, data, { key: KEY });
    const trainKey = [...fake.objects.keys()].find((k) => k.endsWith('train.jsonl')) as string;
    expect(
      fake.s3Calls.some((c) => c.method === 'POST' && c.key === trainKey && c.query.includes('uploads')),
    ).toBe(true);
    expect(
      fake.s3Calls.filter((c) => c.method === 'PUT' && c.key === trainKey && c.query.includes('partNumber'))
        .length,
    ).toBe(2);
    expect(fake.objects.get(trainKey)?.metadata.sha256).toBe(data.manifest.compiled.sagemaker?.train.sha256);
  });

  it('crash after CreateTrainingJob reached SageMaker (answer lost): the retry finds the job, exactly one exists', async () => {
    const data = await writeSageMakerFixture();
    fake.failNext('CreateTrainingJob', 'crash');
    const ref = await makeProvider().submit(spec, data, { key: KEY });
    expect(ref.remoteId).toBe(trainingJobName(KEY));
    expect(fake.jobs.size).toBe(1);
    expect(fake.callsOf('CreateTrainingJob')).toHaveLength(1);
  });

  it('crash before the ledger write: a fresh process finds the job by key and re-attaches', async () => {
    const data = await writeSageMakerFixture();
    await makeProvider().submit(spec, data, { key: KEY }); // the process "dies" before recording this
    const next = makeProvider();
    expect(await next.find(KEY)).toEqual({ provider: 'sagemaker', key: KEY, remoteId: trainingJobName(KEY) });
    await next.submit(spec, data, { key: KEY });
    expect(fake.jobs.size).toBe(1);
  });

  it('retries a throttled create with backoff and creates one job', async () => {
    const data = await writeSageMakerFixture();
    fake.failNext('CreateTrainingJob', 'throttle', 2);
    const retries: string[] = [];
    await makeProvider().submit(spec, data, { key: KEY, onEvent: (e) => void retries.push(e.message) });
    expect(fake.callsOf('CreateTrainingJob')).toHaveLength(3);
    expect(fake.jobs.size).toBe(1);
    expect(retries.filter((m) => m.includes('retry'))).toHaveLength(2);
  });

  it('treats ResourceInUse as "already created": re-attaches, never another name', async () => {
    const data = await writeSageMakerFixture();
    await makeProvider().submit(spec, data, { key: KEY });
    fake.calls.length = 0;
    // A stale read says the job is missing, so the next run tries to create it again.
    fake.failNext('DescribeTrainingJob', 'not-found');
    const ref = await makeProvider().submit(spec, data, { key: KEY });
    expect(ref.remoteId).toBe(trainingJobName(KEY));
    const creates = fake.callsOf('CreateTrainingJob');
    expect(creates).toHaveLength(1); // answered ResourceInUse
    expect(creates[0]?.body.TrainingJobName).toBe(trainingJobName(KEY));
    expect(fake.jobs.size).toBe(1);
  });

  it('a quota error is not retried and says what to do', async () => {
    const data = await writeSageMakerFixture();
    fake.failNext('CreateTrainingJob', 'quota');
    const error = await makeProvider()
      .submit(spec, data, { key: KEY })
      .catch((e: unknown) => e);
    expect(isPolytuneError(error)).toBe(true);
    expect((error as PolytuneError).code).toBe('QUOTA');
    expect((error as PolytuneError).hint).toMatch(/quota/i);
    expect(fake.callsOf('CreateTrainingJob')).toHaveLength(1);
    expect(fake.jobs.size).toBe(0);
  });
});

describe('status, events, cost, cancel', () => {
  async function submitted(provider = makeProvider()) {
    const data = await writeSageMakerFixture();
    const ref = await provider.submit(spec, data, { key: KEY });
    return { provider, ref, name: ref.remoteId };
  }

  it('maps TrainingJobStatus with SecondaryStatus as detail and keeps the raw status', async () => {
    const { provider, ref, name } = await submitted();
    expect(await provider.get(ref)).toMatchObject({ state: 'queued', rawState: 'InProgress' });
    fake.setJob(name, 'InProgress', 'Downloading');
    expect((await provider.get(ref)).state).toBe('queued');
    fake.setJob(name, 'InProgress', 'Training');
    const running = await provider.get(ref);
    expect(running).toMatchObject({ state: 'running', rawState: 'InProgress' });
    expect(running.detail).toContain('Training');
    fake.setJob(name, 'Completed', 'Completed', {
      billable: 5400,
      metrics: [
        { MetricName: 'huggingface-textgeneration:train-loss', Value: 0.42, Timestamp: 1_790_000_100 },
        { MetricName: 'huggingface-textgeneration:eval-loss', Value: 0.51, Timestamp: 1_790_000_100 },
      ],
    });
    const done = await provider.get(ref);
    expect(done.state).toBe('succeeded');
    expect(done.modelId).toBe(`s3://${BUCKET}/ft/output/${name}/output/model/`);
    expect(done.metrics).toEqual({ train_loss: 0.42, eval_loss: 0.51 });
    // 1.5 h × $7.09/h (ml.g5.12xlarge, us-east-1 table).
    expect(done.cost).toMatchObject({ amount: 10.635, estimate: false, currency: 'USD' });
    expect(done.cost?.basis).toContain('BillableTimeInSeconds 5400');
  });

  it('reports failures with the reason, and a max-runtime stop as failed (not cancelled)', async () => {
    const { provider, ref, name } = await submitted();
    fake.setJob(name, 'Failed', 'Failed', { failureReason: 'AlgorithmError: CUDA out of memory' });
    const failed = await provider.get(ref);
    expect(failed).toMatchObject({ state: 'failed', rawState: 'Failed' });
    expect(failed.error?.message).toContain('CUDA out of memory');
    fake.setJob(name, 'Stopped', 'MaxRuntimeExceeded');
    expect((await provider.get(ref)).state).toBe('failed');
  });

  it('keeps an unknown status non-terminal', async () => {
    const { provider, ref, name } = await submitted();
    fake.setJob(name, 'Hibernating', 'Dreaming');
    const snapshot = await provider.get(ref);
    expect(snapshot).toMatchObject({ state: 'running', rawState: 'Hibernating' });
  });

  it('lists SecondaryStatusTransitions and final metrics as events, resumable with since', async () => {
    const { provider, ref, name } = await submitted();
    fake.setJob(name, 'InProgress', 'Training');
    fake.setJob(name, 'Completed', 'Completed', {
      metrics: [
        { MetricName: 'huggingface-textgeneration:train-loss', Value: 0.3, Timestamp: 1_790_000_500 },
      ],
    });
    const events = [];
    for await (const e of provider.events(ref)) events.push(e);
    expect(events.map((e) => e.message.split(':')[0])).toEqual([
      'Starting',
      'Training',
      'Completed',
      'train_loss = 0.3',
    ]);
    expect(events[3]).toMatchObject({ kind: 'metric', metrics: { train_loss: 0.3 } });
    const rest = [];
    for await (const e of provider.events(ref, events[1]?.id)) rest.push(e.id);
    expect(rest).toEqual([events[2]?.id, events[3]?.id]);
  });

  it('cancel sends StopTrainingJob; a finished job is left alone', async () => {
    const { provider, ref, name } = await submitted();
    await provider.cancel(ref);
    expect(fake.callsOf('StopTrainingJob')).toHaveLength(1);
    expect((await provider.get(ref)).state).toBe('running');
    fake.setJob(name, 'Stopped', 'Stopped');
    expect((await provider.get(ref)).state).toBe('cancelled');
    await provider.cancel(ref);
    expect(fake.callsOf('StopTrainingJob')).toHaveLength(1);
  });

  it('find() of a key with no job is undefined', async () => {
    expect(await makeProvider().find('nothing-here')).toBeUndefined();
  });
});

describe('validate and price', () => {
  it('flags what would fail before any upload', async () => {
    const data = await writeSageMakerFixture();
    const provider = createSageMakerProvider({
      region: REGION,
      clients: fakeClients(),
      cacheDir: tempCacheDir(),
    });
    const bad: JobSpec = {
      ...spec,
      method: 'dpo',
      hyperparameters: { learningRateMultiplier: 2 },
      extra: { instanceType: 'ml.g5.2xlarge' },
    };
    await provider.prepare(bad, data);
    const codes = provider.validate(statsOf(data), bad).map((i) => `${i.severity}:${i.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'error:UNSUPPORTED_METHOD',
        'error:NO_ROLE',
        'error:NO_BUCKET',
        'warning:UNSUPPORTED_INSTANCE',
        'warning:IGNORED_HYPERPARAMETER',
        'error:EULA_REQUIRED',
      ]),
    );
    const gpt = { ...spec, baseModel: 'gpt-4o' };
    await provider.prepare(gpt);
    expect(provider.validate(statsOf(data), gpt).map((i) => i.code)).toContain('HUB');
    const ok = makeProvider();
    await ok.prepare(spec, data);
    expect(ok.validate(statsOf(data), spec)).toEqual([]);
  });

  it('estimates cost from token counts and an assumed throughput, and says so', async () => {
    const data = await writeSageMakerFixture({ trainCount: 1000 });
    const provider = makeProvider();
    await provider.prepare(spec, data);
    const estimate = provider.price(spec, statsOf(data));
    // (1000 + 3) × 20 tokens × 2 epochs = 40,120 tokens ÷ 1500 tok/s = 26.75 s, + 900 s start-up
    // = 0.25743 h × $7.09/h (ml.g5.12xlarge, the hub's default) = $1.83
    expect(estimate).toMatchObject({ currency: 'USD', estimate: true, amount: 1.825176 });
    expect(estimate.basis).toMatch(
      /assumed for meta-textgeneration-llama-3-1-8b-instruct@2\.1\.0 on ml\.g5\.12xlarge/,
    );
    expect(estimate.note).toMatch(/assumption/);
    expect(estimate.note).toMatch(/unverified/);
    expect(estimate.source).toContain('aws.amazon.com/sagemaker/pricing');
    const overridden = makeProvider({
      prices: { 'ml.g5.12xlarge': { perHour: 10, source: 'our EDP rate', date: '2026-11-01' } },
    });
    await overridden.prepare(spec, data);
    expect(overridden.price(spec, statsOf(data)).amount).toBeCloseTo(2.574296, 6);
    expect(overridden.price(spec, statsOf(data)).source).toBe('our EDP rate');
  });

  it('an instance with no known price is "cost unknown", never $0', async () => {
    const data = await writeSageMakerFixture();
    const provider = makeProvider();
    const unpriced = { ...spec, extra: { instanceType: 'ml.g5.16xlarge' } };
    await provider.prepare(unpriced, data);
    expect(() => provider.price(unpriced, statsOf(data))).toThrow(
      /Cost unknown: no hourly price for ml\.g5\.16xlarge/,
    );
    expect(provider.validate(statsOf(data), unpriced).map((i) => i.code)).toContain('NO_PRICE');
    // Not resolved yet (offline demo): unknown too, with the way out.
    expect(() => makeProvider().price(spec, statsOf(data))).toThrow(/Cost unknown/);
  });

  it('endpoints.sagemaker points the SageMaker client elsewhere (VPC endpoint, emulator)', async () => {
    const seen: string[] = [];
    server.use(
      http.post('https://sagemaker.vpce.example.test/', async ({ request }) => {
        seen.push(request.headers.get('x-amz-target') ?? '');
        return HttpResponse.json(
          { __type: 'ResourceNotFound', message: 'no such hub content' },
          {
            status: 400,
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'vpce-1' },
          },
        );
      }),
    );
    const { sagemaker: _default, ...clients } = fakeClients();
    const provider = makeProvider({
      clients,
      endpoints: { sagemaker: 'https://sagemaker.vpce.example.test' },
    });
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENDPOINTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'endpoint-test-secret';
    try {
      await provider.prepare(spec);
    } finally {
      for (const [k, v] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(seen).toEqual(['SageMaker.DescribeHubContent']);
    expect(fake.callsOf('DescribeHubContent')).toHaveLength(0);
  });

  it('rejects bad settings with one clear error', () => {
    expect(() => createSageMakerProvider({ roleArn: 'not-an-arn' })).toThrow(/roleArn/);
    expect(() => createSageMakerProvider({ regoin: 'us-east-1' })).toThrow(/Invalid SageMaker settings/);
  });
});
