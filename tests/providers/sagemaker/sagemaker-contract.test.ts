import { beforeEach, describe, expect, it } from 'vitest';
import { createSageMakerProvider } from '../../../providers/sagemaker/sagemaker-provider.js';
import {
  SAGEMAKER_SMITHY as SAGEMAKER_MODEL,
  SAGEMAKER_RUNTIME_SMITHY as SAGEMAKER_RUNTIME_MODEL,
  validateSmithyInput as validateOperationInput,
} from '../../helpers/smithy-contract.js';
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
import { writeSageMakerFixture } from './sagemaker-fixture.js';

/**
 * Every request the provider puts on the wire is checked against the operation's
 * input in the official Smithy model (trimmed copy in fixtures/api/): closed
 * structures, patterns with their own ^…$ anchors.
 */
const server = useTestServer();
let fake: FakeAws;
beforeEach(() => {
  fake = createFakeAws();
  fake.endpointPollsUntilInService = 1;
  server.use(...fake.handlers);
});

function provider() {
  return createSageMakerProvider({
    region: REGION,
    roleArn: ROLE_ARN,
    bucket: BUCKET,
    clients: fakeClients(),
    retry: { baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
    acceptEula: true,
    cacheDir: tempCacheDir(),
  });
}

describe('SageMaker requests match the Smithy model', () => {
  it('submit, describe, stop, deploy, undeploy: every call is a valid input of its operation', async () => {
    const p = provider();
    for (const kind of ['completion', 'chat'] as const) {
      const data = await writeSageMakerFixture({ kind });
      const key = `contract${kind}`;
      for (const baseModel of fake.hub.keys()) {
        await p.submit(
          {
            provider: 'sagemaker',
            baseModel,
            method: 'sft',
            hyperparameters: { epochs: 1, batchSize: 2, loraAlpha: 16 },
          },
          data,
          { key: `${key}${baseModel.length}${baseModel.slice(-6)}` },
        );
      }
      const ref = await p.submit(
        {
          provider: 'sagemaker',
          baseModel: 'meta-textgeneration-llama-3-2-3b-instruct',
          method: 'sft',
          hyperparameters: {},
          suffix: 'support bot v2!',
        },
        data,
        { key },
      );
      await p.get(ref);
      await p.cancel(ref);
      fake.setJob(ref.remoteId, 'Completed', 'Completed');
      await p.deploy(ref, { instanceType: 'ml.g5.2xlarge' });
      await p.undeploy(ref);
    }
    const ops = new Set(fake.calls.map((c) => c.op));
    for (const op of [
      'DescribeHubContent',
      'ListTags',
      'CreateTrainingJob',
      'DescribeTrainingJob',
      'StopTrainingJob',
      'CreateModel',
      'CreateEndpointConfig',
      'CreateEndpoint',
      'DescribeEndpoint',
      'DeleteEndpoint',
      'DeleteEndpointConfig',
      'DeleteModel',
    ]) {
      expect(ops, op).toContain(op);
    }
    for (const call of fake.calls) {
      expect(
        validateOperationInput(SAGEMAKER_MODEL, call.op, call.body),
        `${call.op} ${JSON.stringify(call.body)}`,
      ).toEqual([]);
    }
  });

  it('InvokeEndpoint requests are valid inputs of the runtime operation', async () => {
    const p = provider();
    const data = await writeSageMakerFixture();
    const ref = await p.submit(
      {
        provider: 'sagemaker',
        baseModel: 'meta-textgeneration-llama-3-1-8b-instruct',
        method: 'sft',
        hyperparameters: {},
      },
      data,
      { key: 'invokecontract' },
    );
    fake.setJob(ref.remoteId, 'Completed', 'Completed');
    await p.deploy(ref);
    const model = await p.model(ref);
    await model.generate({
      input: [{ role: 'user', content: 'hi' }],
      maxTokens: 8,
      temperature: 0.2,
      topP: 0.9,
      stop: ['\n'],
    });
    const [call] = fake.invocations;
    expect(call).toBeDefined();
    const input = {
      EndpointName: call?.endpoint,
      Body: JSON.stringify(call?.body),
      ContentType: call?.headers['content-type'],
      Accept: call?.headers.accept,
    };
    expect(validateOperationInput(SAGEMAKER_RUNTIME_MODEL, 'InvokeEndpoint', input)).toEqual([]);
  });
});

describe('the contract check itself', () => {
  it('rejects a broken CreateTrainingJob (negative control)', async () => {
    const p = provider();
    await p.submit(
      {
        provider: 'sagemaker',
        baseModel: 'meta-textgeneration-llama-3-1-8b-instruct',
        method: 'sft',
        hyperparameters: {},
      },
      await writeSageMakerFixture(),
      { key: 'negative' },
    );
    const good = structuredClone(fake.callsOf('CreateTrainingJob')[0]?.body) as Record<string, any>;
    expect(validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', good)).toEqual([]);

    const broken = structuredClone(good);
    broken.TrainingJobName = 'has_underscore_and_is_far_too_long_for_sagemaker_training_job_names_x';
    delete broken.RoleArn;
    broken.AlgorithmSpecification.TrainingInputMode = 'Stream';
    broken.InputDataConfig[0].DataSource.S3DataSource.S3DataType = 'S3Folder';
    broken.HyperParameters.epoch = 3;
    broken.ResourceConfig.InstanceType = 'ml.imaginary.huge';
    broken.Tags.push({ Key: 'bad<tag>' });
    broken.Unknown = true;
    broken.StoppingCondition.MaxRuntimeInSeconds = 0;
    const errors = validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', broken);
    const expectations = [
      /TrainingJobName: .*pattern/,
      /TrainingJobName: length \d+ > max 63/,
      /RoleArn: required/,
      /TrainingInputMode: "Stream" is not one of/,
      /S3DataType: "S3Folder" is not one of/,
      /HyperParameters\.epoch: expected a string/,
      /InstanceType: "ml.imaginary.huge" is not one of/,
      /Tags\[\d+\]\.Value: required/,
      /Tags\[\d+\]\.Key: .*pattern/,
      /Unknown: not a member/,
      /MaxRuntimeInSeconds: value 0 < min 1/,
    ];
    for (const pattern of expectations)
      expect(
        errors.some((e) => pattern.test(e)),
        String(pattern),
      ).toBe(true);

    const tooMany = structuredClone(good);
    tooMany.HyperParameters = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v']));
    expect(validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', tooMany).join('\n')).toMatch(
      /entries 101 > max 100/,
    );
    expect(
      validateOperationInput(SAGEMAKER_RUNTIME_MODEL, 'InvokeEndpoint', {
        EndpointName: 'bad name!',
        Body: '{}',
      }),
    ).toEqual([expect.stringMatching(/EndpointName: .*pattern/)]);
  });

  it('closed structures: one misspelt member fails where an open schema would pass it', async () => {
    const p = provider();
    await p.submit(
      {
        provider: 'sagemaker',
        baseModel: 'meta-textgeneration-llama-3-8b',
        method: 'sft',
        hyperparameters: {},
      },
      await writeSageMakerFixture(),
      { key: 'closedschema' },
    );
    const good = structuredClone(fake.callsOf('CreateTrainingJob')[0]?.body) as Record<string, any>;
    expect(validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', good)).toEqual([]);
    const misspelt = structuredClone(good);
    misspelt.EnableNetworkIsolaton = misspelt.EnableNetworkIsolation;
    delete misspelt.EnableNetworkIsolation;
    expect(validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', misspelt)).toEqual([
      'CreateTrainingJob.EnableNetworkIsolaton: not a member of com.amazonaws.sagemaker#CreateTrainingJobRequest',
    ]);
    const nested = structuredClone(good);
    nested.InputDataConfig[0].DataSource.S3DataSource.S3DataTyp = 'S3Prefix';
    expect(validateOperationInput(SAGEMAKER_MODEL, 'CreateTrainingJob', nested).join('\n')).toMatch(
      /S3DataSource\.S3DataTyp: not a member of com\.amazonaws\.sagemaker#S3DataSource/,
    );
    // Smithy patterns carry their own anchors: a hub name with a trailing space fails.
    expect(
      validateOperationInput(SAGEMAKER_MODEL, 'DescribeHubContent', {
        HubName: 'SageMakerPublicHub ',
        HubContentType: 'Model',
        HubContentName: 'meta-textgeneration-llama-3-8b',
      }).join('\n'),
    ).toMatch(/HubName: .*pattern/);
  });
});
