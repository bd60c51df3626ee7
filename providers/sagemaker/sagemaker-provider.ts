import type { DescribeTrainingJobCommandOutput } from '@aws-sdk/client-sagemaker';
import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal } from '../../src/jobs/job-state.js';
import type {
  Issue,
  JobEvent,
  JobRef,
  JobSnapshot,
  Model,
  Provider,
  TunableModel,
} from '../../src/provider.js';
import { planHosting } from './jumpstart-hosting.js';
import { type HubContext, listHubModels, resolveJumpStartModel } from './jumpstart-hub.js';
import { assertPlanValid } from './jumpstart-training.js';
import { createSageMakerContext } from './sagemaker-clients.js';
import { estimateTrainingCost } from './sagemaker-cost.js';
import {
  type DeployContext,
  type DeployOptions,
  deployJob,
  endpointStatus,
  type SageMakerDeployment,
  undeployJob,
} from './sagemaker-deploy.js';
import { eventsFromDescribe, snapshotFromDescribe } from './sagemaker-job-status.js';
import { createJobCalls } from './sagemaker-jobs.js';
import { createEndpointModel } from './sagemaker-model.js';
import { deploymentNames, trainingJobName } from './sagemaker-names.js';
import { parseSageMakerOptions, type SageMakerProviderOptions } from './sagemaker-options.js';
import { createPlanner } from './sagemaker-planner.js';
import { fetchTrainingPrices, readPriceCache, writePriceCache } from './sagemaker-price-list.js';
import { instancePrice, sagemakerPriceTable } from './sagemaker-prices.js';
import { promptFormatFor } from './sagemaker-prompt.js';
import { buildCreateTrainingJobInput, jobExtra } from './sagemaker-training-request.js';
import { compiledFiles, uploadPreparedData } from './sagemaker-upload.js';

/** The SageMaker provider: the Provider contract plus deploy / undeploy of an endpoint and a price refresh. */
export interface SageMakerProvider extends Provider {
  id: 'sagemaker';
  /** Resolves the base model from the JumpStart hub and reads the data's lengths; validate and price use the result. */
  prepare(spec: JobSpec, data?: PreparedData): Promise<void>;
  /** Creates model, endpoint config and endpoint once for a succeeded job and waits for InService. */
  deploy(ref: JobRef, options?: DeployOptions): Promise<SageMakerDeployment>;
  /** Deletes the job's endpoint, endpoint config and model; returns what was deleted. */
  undeploy(ref: JobRef, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** The endpoint's status, or undefined when it does not exist. */
  endpointStatus(ref: JobRef): Promise<string | undefined>;
  /** Reads on-demand training prices from the AWS Price List API into the dated local cache. */
  refreshPrices(): Promise<{ file: string; count: number; date: string }>;
}

export function createSageMakerProvider(
  settings: SageMakerProviderOptions | Record<string, unknown> = {},
): SageMakerProvider {
  const ctx = createSageMakerContext(parseSageMakerOptions(settings));
  const { options } = ctx;
  const refreshed = options.region ? readPriceCache(options.cacheDir, options.region)?.instances : undefined;
  const prices: PriceTable = sagemakerPriceTable(options.prices as PriceTable, refreshed);
  const hub: HubContext = {
    sagemaker: ctx.sagemaker,
    hubName: options.hubName,
    cacheDir: `${options.cacheDir}/jumpstart`,
    retry: ctx.retry,
  };
  const planner = createPlanner(ctx, hub);
  const jobs = createJobCalls(ctx);
  const refFor = (key: string, name = trainingJobName(key)): JobRef => ({
    provider: 'sagemaker',
    key,
    remoteId: name,
  });

  const deployContext = (): DeployContext => ({
    sagemaker: ctx.sagemaker(),
    region: ctx.region(),
    // A getter: only the create calls need the role, not describe or delete.
    get roleArn() {
      return ctx.roleArn();
    },
    retry: ctx.retry,
    pollMs: options.endpointPollMs,
    timeoutMs: options.deployTimeoutMs,
    sleep: ctx.sleep,
    now: () => Date.now(),
  });

  async function completedJob(ref: JobRef): Promise<DescribeTrainingJobCommandOutput> {
    const job = await jobs.mustDescribe(ref.remoteId);
    if (job.TrainingJobStatus !== 'Completed' || !job.ModelArtifacts?.S3ModelArtifacts) {
      throw new PolytuneError(
        'INVALID_INPUT',
        `Training job ${ref.remoteId} is ${job.TrainingJobStatus}; only a completed job can be deployed.`,
        { hint: 'Wait for it to succeed (`polytune jobs wait <job>`), then deploy it.' },
      );
    }
    return job;
  }

  const provider: SageMakerProvider = {
    id: 'sagemaker',
    capabilities: { methods: ['sft'], minExamples: 1 },
    prepare: (spec, data) => planner.prepare(spec, data),

    validate(stats: DatasetStats, spec: JobSpec): Issue[] {
      const issues: Issue[] = [];
      const error = (code: string, message: string) => issues.push({ severity: 'error', code, message });
      if (spec.method !== 'sft')
        error('UNSUPPORTED_METHOD', `SageMaker JumpStart fine-tuning supports sft only, not ${spec.method}.`);
      if (stats.kind === 'preference')
        error('UNSUPPORTED_KIND', 'SageMaker JumpStart cannot train on preference pairs.');
      if (!options.region) error('NO_REGION', 'No AWS region: set AWS_REGION or providers.sagemaker.region.');
      if (!options.roleArn) error('NO_ROLE', 'No IAM role: set providers.sagemaker.roleArn.');
      if (!options.bucket) error('NO_BUCKET', 'No S3 bucket: set providers.sagemaker.bucket.');
      issues.push(...planner.issues(spec, stats));
      const plan = planner.planned(spec, stats.kind);
      if (plan && !instancePrice(prices, plan.instanceType)) {
        issues.push({
          severity: 'warning',
          code: 'NO_PRICE',
          message: `No hourly price for ${plan.instanceType}: cost unknown. Run \`polytune prices refresh\` or set prices.sagemaker["${plan.instanceType}"].`,
        });
      }
      return issues;
    },

    async submit(spec: JobSpec, data: PreparedData, submitCtx): Promise<JobRef> {
      const name = trainingJobName(submitCtx.key);
      const ref = refFor(submitCtx.key, name);
      const emit = (message: string, level: JobEvent['level'] = 'info') =>
        submitCtx.onEvent?.({
          id: `submit:${message}`,
          at: new Date().toISOString(),
          kind: 'log',
          level,
          message,
        });
      compiledFiles(data);
      // Re-attach before uploading anything: the name is the key.
      if (await jobs.describe(name, submitCtx.signal)) {
        emit(`re-attached to training job ${name}`);
        return ref;
      }
      await planner.prepare(spec, data);
      const plan = planner.mustPlan(spec, data.manifest.kind);
      assertPlanValid(plan);
      emit(`base model ${plan.model.id}@${plan.model.version} from ${options.hubName}`);
      const uploaded = await uploadPreparedData(
        data,
        {
          s3: ctx.s3(),
          bucket: ctx.bucket(),
          prefix: options.prefix,
          multipartThresholdBytes: options.multipartThresholdBytes,
          retry: ctx.retry,
        },
        submitCtx,
      );
      emit(
        `data at ${uploaded.trainUri} (${uploaded.uploaded.length} uploaded, ${uploaded.skipped.length} already there)`,
      );
      const request = buildCreateTrainingJobInput({
        name,
        key: submitCtx.key,
        spec,
        plan,
        data: uploaded,
        roleArn: ctx.roleArn(),
        bucket: ctx.bucket(),
        prefix: options.prefix,
        instanceCount: options.instanceCount,
      });
      await jobs.create(request, submitCtx.signal, (event) => emit(event.message, event.level));
      emit(`training job ${name} created`);
      return ref;
    },

    async find(key: string): Promise<JobRef | undefined> {
      const name = trainingJobName(key);
      return (await jobs.describe(name)) ? refFor(key, name) : undefined;
    },

    async get(ref: JobRef): Promise<JobSnapshot> {
      return snapshotFromDescribe(ref, await jobs.mustDescribe(ref.remoteId), prices);
    },

    async cancel(ref: JobRef): Promise<void> {
      const job = await jobs.mustDescribe(ref.remoteId);
      if (job.TrainingJobStatus === 'Stopping' || isTerminal(snapshotFromDescribe(ref, job, prices).state))
        return;
      await jobs.stop(ref.remoteId);
    },

    async *events(ref: JobRef, since?: string): AsyncIterable<JobEvent> {
      const events = eventsFromDescribe(await jobs.mustDescribe(ref.remoteId));
      const start = since === undefined ? 0 : events.findIndex((e) => e.id === since) + 1;
      yield* events.slice(start);
    },

    async model(target: JobRef | string): Promise<Model> {
      let endpointName: string;
      let promptModel: string | undefined;
      if (typeof target === 'string') {
        endpointName = target.replace(/^sagemaker:/, '').replace(/^endpoint\//, '');
      } else {
        const job = await jobs.mustDescribe(target.remoteId);
        if (job.TrainingJobStatus !== 'Completed') {
          throw new PolytuneError(
            'INVALID_INPUT',
            `Training job ${target.remoteId} is ${job.TrainingJobStatus}, not Completed.`,
            {
              hint: 'Wait for it to succeed (`polytune jobs wait`), then deploy it.',
            },
          );
        }
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
    },

    price(spec: JobSpec, stats: DatasetStats): CostEstimate {
      const instanceType = planner.instanceTypeFor(spec);
      const model = planner.resolved(spec);
      if (!instanceType) {
        throw new PolytuneError(
          'UNSUPPORTED',
          `Cost unknown: ${spec.baseModel} is not resolved from the JumpStart hub yet, so its instance type is unknown.`,
          {
            hint: 'Run `polytune tune --dry-run` (it reads the hub), or set providers.sagemaker.instanceType.',
          },
        );
      }
      const defaultEpochs = Number(
        model?.document.Hyperparameters.find((h) => h.Name === 'epoch')?.Default ?? 1,
      );
      return estimateTrainingCost({
        model: model ? `${model.id}@${model.version}` : spec.baseModel,
        tokensPerSecond: options.assumedTokensPerSecond,
        stats,
        epochs: spec.hyperparameters.epochs ?? defaultEpochs,
        instanceType,
        instanceCount: jobExtra(spec).instanceCount ?? options.instanceCount,
        overheadSeconds: options.assumedOverheadSeconds,
        prices,
      });
    },

    async listTunableModels(): Promise<TunableModel[]> {
      const models = await listHubModels(hub);
      return models.map((m) => ({
        id: m.id,
        methods: ['sft'],
        source: 'hub',
        sourceUrl: `DescribeHubContent/ListHubContents ${options.hubName} (${ctx.region()})`,
        date: (m.createdAt ?? '').slice(0, 10) || 'unknown',
        notes: `version ${m.version}; trainability and EULA are read from its hub document at plan time`,
      }));
    },

    async deploy(ref: JobRef, deployOptions: DeployOptions = {}): Promise<SageMakerDeployment> {
      const job = await completedJob(ref);
      const baseModel = await jobs.baseModelOf(job);
      if (!baseModel) {
        throw new PolytuneError(
          'UNSUPPORTED',
          `Training job ${ref.remoteId} has no ${'polytune:base-model'} tag: polytune cannot tell which hub document serves it.`,
          {
            hint: 'Only jobs submitted by this version of polytune can be deployed with `polytune deploy`.',
          },
        );
      }
      const hosting = planHosting(await resolveJumpStartModel(hub, baseModel), deployOptions.instanceType);
      const deployment = await deployJob(
        deployContext(),
        {
          name: ref.remoteId,
          key: ref.key,
          modelDataUri: job.ModelArtifacts?.S3ModelArtifacts ?? '',
          hosting,
        },
        deployOptions,
      );
      const price = instancePrice(prices, deployment.instanceType);
      return price?.perHour === undefined ? deployment : { ...deployment, perHour: price.perHour };
    },

    async undeploy(ref: JobRef, undeployOptions: { signal?: AbortSignal } = {}): Promise<string[]> {
      return undeployJob(deployContext(), ref.remoteId, undeployOptions.signal);
    },

    async endpointStatus(ref: JobRef): Promise<string | undefined> {
      return (await endpointStatus(deployContext(), deploymentNames(ref.remoteId).endpointName))
        ?.EndpointStatus;
    },

    async refreshPrices() {
      const date = new Date().toISOString().slice(0, 10);
      const fetched = await fetchTrainingPrices(ctx.pricing(), ctx.region(), ctx.retry, date);
      const file = await writePriceCache(options.cacheDir, fetched);
      Object.assign(prices, fetched.instances, options.prices);
      return { file, count: Object.keys(fetched.instances).length, date };
    },
  };
  return provider;
}
