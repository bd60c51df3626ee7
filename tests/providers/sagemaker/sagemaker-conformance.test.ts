import { createSageMakerProvider } from '../../../providers/sagemaker/sagemaker-provider.js';
import { describeProviderConformance, type ScriptedState } from '../../conformance/provider-conformance.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeAws, fakeClients, REGION, ROLE_ARN, tempCacheDir } from './fake-aws.js';
import { writeSageMakerFixture } from './sagemaker-fixture.js';

const server = useTestServer();

/** How the fake SageMaker expresses each scripted state: [TrainingJobStatus, SecondaryStatus]. */
const RAW: Record<ScriptedState, [string, string]> = {
  queued: ['InProgress', 'Pending'],
  validating: ['InProgress', 'Downloading'],
  running: ['InProgress', 'Training'],
  succeeded: ['Completed', 'Completed'],
  failed: ['Failed', 'Failed'],
  cancelled: ['Stopped', 'Stopped'],
};

describeProviderConformance('sagemaker', async () => {
  const fake = createFakeAws();
  server.use(...fake.handlers);
  const generationText = 'conformance answer';
  fake.invokeResponse = [{ generated_text: generationText }];
  return {
    provider: createSageMakerProvider({
      region: REGION,
      roleArn: ROLE_ARN,
      bucket: BUCKET,
      clients: fakeClients(),
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => {},
      acceptEula: true,
      cacheDir: tempCacheDir(),
    }),
    spec: {
      provider: 'sagemaker',
      baseModel: 'meta-textgeneration-llama-3-2-3b-instruct',
      method: 'sft',
      hyperparameters: { epochs: 1 },
    },
    data: await writeSageMakerFixture(),
    backend: {
      generationText,
      setState(remoteId, state) {
        if (typeof state === 'object') {
          fake.setJob(remoteId, state.raw, state.raw);
          return;
        }
        const [status, secondary] = RAW[state];
        fake.setJob(
          remoteId,
          status,
          secondary,
          state === 'failed' ? { failureReason: 'AlgorithmError: exit 1' } : {},
        );
        // SageMaker serves a tuned model only from an endpoint: the scripted user deploys on success.
        if (state === 'succeeded')
          fake.endpoints.set(remoteId, { config: remoteId, status: 'InService', polls: 0 });
      },
      crashAfterCreate: () => fake.failNext('CreateTrainingJob', 'crash'),
      jobCount: () => fake.jobs.size,
      cancelRequested: (remoteId) => fake.jobs.get(remoteId)?.stopRequested ?? false,
    },
  };
});
