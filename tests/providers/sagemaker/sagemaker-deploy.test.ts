import { beforeEach, describe, expect, it } from 'vitest';
import {
  createSageMakerProvider,
  type SageMakerProvider,
} from '../../../providers/sagemaker/sagemaker-provider.js';
import type { PolytuneError } from '../../../src/errors.js';
import type { JobRef } from '../../../src/provider.js';
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
import { writeSageMakerFixture } from './sagemaker-fixture.js';

const server = useTestServer();
let fake: FakeAws;
let sleeps: number[];
let provider: SageMakerProvider;

beforeEach(() => {
  fake = createFakeAws();
  server.use(...fake.handlers);
  sleeps = [];
  provider = createSageMakerProvider({
    region: REGION,
    roleArn: ROLE_ARN,
    bucket: BUCKET,
    clients: fakeClients(),
    retry: { baseDelayMs: 1, maxDelayMs: 1 },
    endpointPollMs: 15_000,
    acceptEula: true,
    cacheDir: tempCacheDir(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
});

async function completedJob(): Promise<JobRef> {
  const ref = await provider.submit(
    {
      provider: 'sagemaker',
      baseModel: LLAMA_3_8B,
      method: 'sft',
      hyperparameters: {},
    },
    await writeSageMakerFixture(),
    { key: 'deploykey1' },
  );
  fake.setJob(ref.remoteId, 'Completed', 'Completed');
  return ref;
}

describe('deploy / undeploy', () => {
  it('creates model, endpoint config and endpoint, waits for InService, and the model answers', async () => {
    const ref = await completedJob();
    const events: string[] = [];
    const deployment = await provider.deploy(ref, { onEvent: (e) => void events.push(e.message) });
    expect(deployment).toMatchObject({
      provider: 'sagemaker',
      endpointName: ref.remoteId,
      modelName: ref.remoteId,
      endpointConfigName: ref.remoteId,
      instanceType: 'ml.g5.2xlarge',
      instanceCount: 1,
      status: 'InService',
      region: REGION,
      perHour: 1.515,
    });
    const model = fake.callsOf('CreateModel')[0]?.body as Record<string, any>;
    expect(model.ExecutionRoleArn).toBe(ROLE_ARN);
    expect(model.PrimaryContainer.ModelDataSource.S3DataSource).toEqual({
      S3Uri: `s3://${BUCKET}/polytune/output/${ref.remoteId}/output/model/`,
      S3DataType: 'S3Prefix',
      CompressionType: 'None',
    });
    // Image, environment and isolation from the hub document (its g5 variant, its TGI variables).
    expect(model.PrimaryContainer.Image).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.1.1-tgi2.0.0-gpu-py310-cu121-ubuntu22.04',
    );
    expect(model.PrimaryContainer.Environment).toMatchObject({
      HF_MODEL_ID: '/opt/ml/model',
      MAX_INPUT_LENGTH: '8191',
      MAX_TOTAL_TOKENS: '8192',
      SM_NUM_GPUS: '1',
      SAGEMAKER_PROGRAM: 'inference.py',
      ENDPOINT_SERVER_TIMEOUT: '3600',
    });
    expect(model.EnableNetworkIsolation).toBe(true);
    const config = fake.callsOf('CreateEndpointConfig')[0]?.body as Record<string, any>;
    expect(config.ProductionVariants[0]).toMatchObject({
      ModelName: ref.remoteId,
      InstanceType: 'ml.g5.2xlarge',
    });
    // Two polls answer Creating, so two waits of the configured interval (no wall clock involved).
    expect(sleeps).toEqual([15_000, 15_000]);
    expect(events.some((m) => m.includes('InService'))).toBe(true);
    expect(await provider.endpointStatus(ref)).toBe('InService');
    expect((await (await provider.model(ref)).generate({ input: 'hi' })).text).toBe('fine-tuned answer');
  });

  it('re-running a deploy finds the endpoint and only waits: each Create* sent once', async () => {
    const ref = await completedJob();
    const created: string[] = [];
    await provider.deploy(ref, { wait: false, onCreated: (d) => void created.push(d.status) });
    const again = await provider.deploy(ref, { onCreated: (d) => void created.push(d.status) });
    expect(again.status).toBe('InService');
    expect(created).toEqual(['Creating', 'Creating']);
    for (const op of ['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'])
      expect(fake.callsOf(op), op).toHaveLength(1);
  });

  it('per-instance hosting variables override the defaults (SM_NUM_GPUS 4 on ml.g5.12xlarge)', async () => {
    const ref = await completedJob();
    await provider.deploy(ref, { instanceType: 'ml.g5.12xlarge', wait: false });
    const model = fake.callsOf('CreateModel')[0]?.body as Record<string, any>;
    expect(model.PrimaryContainer.Environment.SM_NUM_GPUS).toBe('4');
    expect(model.PrimaryContainer.Environment.MAX_TOTAL_TOKENS).toBe('8192');
  });

  it('a failed endpoint is an error that says to undeploy', async () => {
    const ref = await completedJob();
    fake.endpointFinalStatus = 'Failed';
    const error = (await provider.deploy(ref).catch((e: unknown) => e)) as PolytuneError;
    expect(error.message).toContain('Insufficient capacity');
    expect(error.hint).toContain('polytune undeploy');
  });

  it('refuses to deploy a job that has not completed', async () => {
    const ref = await completedJob();
    fake.setJob(ref.remoteId, 'InProgress', 'Training');
    await expect(provider.deploy(ref)).rejects.toThrow(/only a completed job/);
    expect(fake.callsOf('CreateModel')).toHaveLength(0);
  });

  it('undeploy deletes all three and is idempotent', async () => {
    const ref = await completedJob();
    await provider.deploy(ref);
    expect(await provider.undeploy(ref)).toEqual([
      `endpoint ${ref.remoteId}`,
      `endpoint config ${ref.remoteId}`,
      `model ${ref.remoteId}`,
    ]);
    expect([fake.endpoints.size, fake.endpointConfigs.size, fake.models.size]).toEqual([0, 0, 0]);
    expect(await provider.undeploy(ref)).toEqual([]);
    expect(await provider.endpointStatus(ref)).toBeUndefined();
  });
});
