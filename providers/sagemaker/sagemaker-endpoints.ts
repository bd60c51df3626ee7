import type { DescribeTrainingJobCommandOutput } from '@aws-sdk/client-sagemaker';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobRef, Model } from '../../src/provider.js';
import { planHosting } from './jumpstart-hosting.js';
import { type HubContext, resolveJumpStartModel } from './jumpstart-hub.js';
import type { SageMakerContext } from './sagemaker-clients.js';
import {
  type DeployContext,
  type DeployOptions,
  deployJob,
  endpointStatus,
  type SageMakerDeployment,
  undeployJob,
} from './sagemaker-deploy.js';
import type { JobCalls } from './sagemaker-jobs.js';
import { createEndpointModel } from './sagemaker-model.js';
import { deploymentNames } from './sagemaker-names.js';
import { instancePrice } from './sagemaker-prices.js';
import { promptFormatFor } from './sagemaker-prompt.js';
import { BASE_MODEL_TAG } from './sagemaker-training-request.js';

/**
 * A finished job behind an endpoint: deploy (hosting from the base model's hub
 * document, read back through the job's tag), undeploy, status, and the Model
 * handle that calls the endpoint.
 */
export function createEndpoints(ctx: SageMakerContext, jobs: JobCalls, hub: HubContext, prices: PriceTable) {
  const deployContext = (): DeployContext => ({
    sagemaker: ctx.sagemaker(),
    region: ctx.region(),
    // A getter: only the create calls need the role, not describe or delete.
    get roleArn() {
      return ctx.roleArn();
    },
    retry: ctx.retry,
    pollMs: ctx.options.endpointPollMs,
    timeoutMs: ctx.options.deployTimeoutMs,
    sleep: ctx.sleep,
    now: () => Date.now(),
  });

  async function completedJob(ref: JobRef, what: string): Promise<DescribeTrainingJobCommandOutput> {
    const job = await jobs.mustDescribe(ref.remoteId);
    if (job.TrainingJobStatus !== 'Completed' || !job.ModelArtifacts?.S3ModelArtifacts) {
      throw new PolytuneError(
        'INVALID_INPUT',
        `Training job ${ref.remoteId} is ${job.TrainingJobStatus}; only a completed job can ${what}.`,
        { hint: 'Wait for it to succeed (`polytune jobs wait <job>`), then deploy it.' },
      );
    }
    return job;
  }

  async function deploy(ref: JobRef, options: DeployOptions = {}): Promise<SageMakerDeployment> {
    const job = await completedJob(ref, 'be deployed');
    const baseModel = await jobs.baseModelOf(job);
    if (!baseModel) {
      throw new PolytuneError(
        'UNSUPPORTED',
        `Training job ${ref.remoteId} has no ${BASE_MODEL_TAG} tag: polytune cannot tell which hub document serves it.`,
        { hint: 'Only jobs submitted by this version of polytune can be deployed with `polytune deploy`.' },
      );
    }
    const hosting = planHosting(await resolveJumpStartModel(hub, baseModel), options.instanceType);
    const modelDataUri = job.ModelArtifacts?.S3ModelArtifacts ?? '';
    const deployment = await deployJob(
      deployContext(),
      { name: ref.remoteId, key: ref.key, modelDataUri, hosting },
      options,
    );
    const price = instancePrice(prices, deployment.instanceType);
    return price?.perHour === undefined ? deployment : { ...deployment, perHour: price.perHour };
  }

  async function model(target: JobRef | string): Promise<Model> {
    let endpointName: string;
    let promptModel: string | undefined;
    if (typeof target === 'string') {
      endpointName = target.replace(/^sagemaker:/, '').replace(/^endpoint\//, '');
    } else {
      const job = await completedJob(target, 'answer (deploy it first)');
      endpointName = deploymentNames(target.remoteId).endpointName;
      // The base model picks the chat template; without its tag the endpoint name stands in.
      promptModel = (await jobs.baseModelOf(job).catch(() => undefined))?.split('@')[0];
    }
    const endpoint = await endpointStatus(deployContext(), endpointName);
    if (endpoint?.EndpointStatus !== 'InService') {
      throw new PolytuneError(
        'NOT_FOUND',
        endpoint
          ? `Endpoint ${endpointName} is ${endpoint.EndpointStatus}, not InService.`
          : `No SageMaker endpoint named ${endpointName}.`,
        {
          hint: 'A SageMaker model answers only from an endpoint: run `polytune deploy <job>` (and `polytune undeploy <job>` when done).',
        },
      );
    }
    return createEndpointModel({
      runtime: ctx.runtime(),
      endpointName,
      promptFormat: promptFormatFor(promptModel ?? endpointName),
      retry: ctx.retry,
    });
  }

  return {
    deploy,
    model,
    undeploy: (ref: JobRef, options: { signal?: AbortSignal } = {}) =>
      undeployJob(deployContext(), ref.remoteId, options.signal),
    endpointStatus: async (ref: JobRef) =>
      (await endpointStatus(deployContext(), deploymentNames(ref.remoteId).endpointName))?.EndpointStatus,
  };
}
