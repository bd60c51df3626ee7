import { setTimeout as delay } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
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
  SubmitContext,
} from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import {
  type Catalogue,
  checkMemoryStrategy,
  createCatalogue,
  type ResolvedModel,
  regionalUri,
} from './sagemaker-catalogue.js';
import { estimateTrainingCost } from './sagemaker-cost.js';
import {
  type DeployContext,
  type DeployOptions,
  deployJob,
  endpointStatus,
  type SageMakerDeployment,
  undeployJob,
} from './sagemaker-deploy.js';
import { isNotFound, isResourceInUse, toPolytuneError } from './sagemaker-errors.js';
import { eventsFromDescribe, snapshotFromDescribe } from './sagemaker-job-status.js';
import { createEndpointModel } from './sagemaker-model.js';
import { deploymentNames, trainingJobName } from './sagemaker-names.js';
import {
  parseSageMakerOptions,
  type ResolvedSageMakerOptions,
  type SageMakerProviderOptions,
} from './sagemaker-options.js';
import { instancePrice, sagemakerPriceTable } from './sagemaker-prices.js';
import { promptFormatFor } from './sagemaker-prompt.js';
import { buildCreateTrainingJobInput, jobExtra } from './sagemaker-training-request.js';
import { compiledFiles, uploadPreparedData } from './sagemaker-upload.js';

/** The SageMaker provider: the Provider contract plus explicit deploy / undeploy of an endpoint. */
export interface SageMakerProvider extends Provider {
  id: 'sagemaker';
  /** The model catalogue in effect (built-in entries plus the user's). */
  catalogue: Catalogue;
  /** Creates model, endpoint config and endpoint for a succeeded job and waits for InService. */
  deploy(ref: JobRef, options?: DeployOptions): Promise<SageMakerDeployment>;
  /** Deletes the job's endpoint, endpoint config and model; returns what was deleted. */
  undeploy(ref: JobRef, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** The endpoint's status, or undefined when it does not exist. */
  endpointStatus(ref: JobRef): Promise<string | undefined>;
}

function awsClientConfig(region: string) {
  // maxAttempts 1: the SDK does not retry; withRetry (src/retry.ts) is the one policy.
  return { region, maxAttempts: 1 };
}

export function createSageMakerProvider(
  settings: SageMakerProviderOptions | Record<string, unknown> = {},
): SageMakerProvider {
  const options: ResolvedSageMakerOptions = parseSageMakerOptions(settings);
  const catalogue = createCatalogue(options.models);
  const prices: PriceTable = sagemakerPriceTable(options.prices as PriceTable);
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  // One retry policy (src/retry.ts) for every call; the injected sleep also drives its waits.
  const retry: RetryOptions = { ...options.retry, sleep };

  const clients: { sagemaker?: SageMakerClient; runtime?: SageMakerRuntimeClient; s3?: S3Client } = {
    ...options.clients,
  };

  function region(): string {
    if (!options.region) {
      throw new PolytuneError('INVALID_INPUT', 'No AWS region is set for SageMaker.', {
        hint: 'Set AWS_REGION, or providers.sagemaker.region in polytune.config.',
      });
    }
    return options.region;
  }
  function roleArn(): string {
    if (!options.roleArn) {
      throw new PolytuneError('INVALID_INPUT', 'No IAM role is set for SageMaker.', {
        hint: 'Set providers.sagemaker.roleArn in polytune.config (or POLYTUNE_SAGEMAKER_ROLE_ARN): a role SageMaker can assume (see the README SageMaker section).',
      });
    }
    return options.roleArn;
  }
  function bucket(): string {
    if (!options.bucket) {
      throw new PolytuneError('INVALID_INPUT', 'No S3 bucket is set for SageMaker.', {
        hint: 'Set providers.sagemaker.bucket in polytune.config (or POLYTUNE_SAGEMAKER_BUCKET), a bucket in the same region.',
      });
    }
    return options.bucket;
  }
  function sagemaker(): SageMakerClient {
    clients.sagemaker ??= new SageMakerClient(awsClientConfig(region()));
    return clients.sagemaker;
  }
  function runtime(): SageMakerRuntimeClient {
    clients.runtime ??= new SageMakerRuntimeClient(awsClientConfig(region()));
    return clients.runtime;
  }
  function s3(): S3Client {
    // msw and some proxies never answer `Expect: 100-continue` (NOTES.md): send the body at once.
    clients.s3 ??= new S3Client({ ...awsClientConfig(region()), expectContinueHeader: false });
    return clients.s3;
  }

  function instanceTypeFor(spec: JobSpec, model: ResolvedModel): string {
    return jobExtra(spec).instanceType ?? options.instanceType ?? model.defaultInstanceType;
  }

  /** DescribeTrainingJob; undefined when no job has that name. */
  async function describe(
    name: string,
    signal?: AbortSignal,
  ): Promise<DescribeTrainingJobCommandOutput | undefined> {
    return withRetry(
      async () => {
        try {
          return await sagemaker().send(new DescribeTrainingJobCommand({ TrainingJobName: name }), {
            abortSignal: signal,
          });
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw toPolytuneError(error, `DescribeTrainingJob ${name}`);
        }
      },
      { ...retry, signal },
    );
  }

  async function mustDescribe(ref: JobRef): Promise<DescribeTrainingJobCommandOutput> {
    const job = await describe(ref.remoteId);
    if (!job) {
      throw new PolytuneError(
        'NOT_FOUND',
        `SageMaker has no training job named ${ref.remoteId} in ${region()}.`,
        {
          hint: 'Check the region and account (AWS_PROFILE); the ledger may come from another account.',
        },
      );
    }
    return job;
  }

  function refFor(key: string, name = trainingJobName(key)): JobRef {
    return { provider: 'sagemaker', key, remoteId: name };
  }

  function deployContext(): DeployContext {
    return {
      sagemaker: sagemaker(),
      region: region(),
      // A getter: only the create calls need the role, not describe or delete.
      get roleArn() {
        return roleArn();
      },
      retry,
      pollMs: options.endpointPollMs,
      timeoutMs: options.deployTimeoutMs,
      sleep,
      now: () => Date.now(),
    };
  }

  function modelForJob(job: DescribeTrainingJobCommandOutput): ResolvedModel {
    // DescribeTrainingJob does not return Tags; the model channel's URI names the base model.
    const modelChannel = job.InputDataConfig?.find((c) => c.ChannelName === 'model')?.DataSource?.S3DataSource
      ?.S3Uri;
    for (const id of catalogue.ids()) {
      const entry = catalogue.resolve(id);
      if (modelChannel && modelChannel === regionalUri(entry.modelUri, region())) return entry;
    }
    throw new PolytuneError(
      'UNSUPPORTED',
      `Cannot tell which catalogue model training job ${job.TrainingJobName} fine-tuned.`,
      {
        hint: 'Add its JumpStart model to providers.sagemaker.models with the modelUri the job used.',
      },
    );
  }

  const provider: SageMakerProvider = {
    id: 'sagemaker',
    catalogue,
    capabilities: { methods: ['sft'], minExamples: 1 },

    validate(stats: DatasetStats, spec: JobSpec): Issue[] {
      const issues: Issue[] = [];
      const error = (code: string, message: string) => issues.push({ severity: 'error', code, message });
      const warn = (code: string, message: string) => issues.push({ severity: 'warning', code, message });
      if (spec.method !== 'sft') {
        error('UNSUPPORTED_METHOD', `SageMaker JumpStart fine-tuning supports sft only, not ${spec.method}.`);
      }
      if (stats.kind === 'preference')
        error('UNSUPPORTED_KIND', 'SageMaker JumpStart cannot train on preference pairs.');
      if (!options.region) error('NO_REGION', 'No AWS region: set AWS_REGION or providers.sagemaker.region.');
      if (!options.roleArn) error('NO_ROLE', 'No IAM role: set providers.sagemaker.roleArn.');
      if (!options.bucket) error('NO_BUCKET', 'No S3 bucket: set providers.sagemaker.bucket.');
      let model: ResolvedModel | undefined;
      try {
        model = catalogue.resolve(spec.baseModel);
      } catch (e) {
        error('UNKNOWN_MODEL', (e as Error).message);
      }
      if (!model) return issues;
      if (options.region) {
        try {
          regionalUri(model.trainingImage, options.region);
        } catch (e) {
          error('UNSUPPORTED_REGION', (e as Error).message);
        }
      }
      const instanceType = instanceTypeFor(spec, model);
      if (!model.testedInstanceTypes.includes(instanceType)) {
        warn(
          'UNTESTED_INSTANCE',
          `${instanceType} is not among the instance types tested for ${model.id} (${model.testedInstanceTypes.join(', ')}); it may run out of memory.`,
        );
      }
      if (!instancePrice(prices, instanceType)) {
        warn(
          'NO_PRICE',
          `No hourly price for ${instanceType}: add prices.sagemaker["${instanceType}"] to get a cost estimate.`,
        );
      }
      const hp = spec.hyperparameters;
      if (hp.learningRateMultiplier !== undefined) {
        warn(
          'IGNORED_HYPERPARAMETER',
          'learningRateMultiplier is not used by SageMaker; set learningRate (absolute) instead.',
        );
      }
      if (hp.beta !== undefined)
        warn('IGNORED_HYPERPARAMETER', 'beta (DPO) is not used by SageMaker JumpStart sft.');
      try {
        const merged = { ...model.hyperparameters };
        const extra = jobExtra(spec);
        if (extra.memoryStrategy) {
          merged.enable_fsdp = extra.memoryStrategy === 'fsdp' ? 'True' : 'False';
          merged.int8_quantization = extra.memoryStrategy === 'int8' ? 'True' : 'False';
        }
        for (const [k, v] of Object.entries(extra.hyperparameters ?? {}))
          merged[k] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
        checkMemoryStrategy(model.id, merged);
        const maxInput = Number(merged.max_input_length);
        if (maxInput > 0 && stats.tokens.train.max > maxInput) {
          warn(
            'TRUNCATED',
            `The longest training example has ${stats.tokens.train.max} tokens; max_input_length ${maxInput} truncates it.`,
          );
        }
      } catch (e) {
        error('MEMORY_STRATEGY', (e as Error).message);
      }
      return issues;
    },

    async submit(spec: JobSpec, data: PreparedData, ctx: SubmitContext): Promise<JobRef> {
      const model = catalogue.resolve(spec.baseModel);
      const name = trainingJobName(ctx.key);
      const ref = refFor(ctx.key, name);
      const now = () => new Date().toISOString();
      const emit = (message: string) =>
        ctx.onEvent?.({ id: `submit:${message}`, at: now(), kind: 'log', level: 'info', message });
      compiledFiles(data);
      // Re-attach before uploading anything: the name is the key.
      if (await describe(name, ctx.signal)) {
        emit(`re-attached to training job ${name}`);
        return ref;
      }
      const uploaded = await uploadPreparedData(
        data,
        {
          s3: s3(),
          bucket: bucket(),
          prefix: options.prefix,
          multipartThresholdBytes: options.multipartThresholdBytes,
          retry,
        },
        ctx,
      );
      emit(
        `data at ${uploaded.trainUri} (${uploaded.uploaded.length} uploaded, ${uploaded.skipped.length} already there)`,
      );
      const request = buildCreateTrainingJobInput({
        name,
        key: ctx.key,
        spec,
        model,
        kind: data.manifest.kind,
        data: uploaded,
        region: region(),
        roleArn: roleArn(),
        bucket: bucket(),
        prefix: options.prefix,
        instanceType: instanceTypeFor(spec, model),
        instanceCount: options.instanceCount,
        maxRuntimeSeconds: options.maxRuntimeSeconds,
      });
      await withRetry(
        async (attempt) => {
          // Before a retry, look first: the last attempt may have created the job and lost the answer.
          if (attempt > 0 && (await describe(name, ctx.signal))) return;
          try {
            await sagemaker().send(new CreateTrainingJobCommand(request), { abortSignal: ctx.signal });
          } catch (error) {
            // The name exists: this key's job was created earlier (names are never reused). Re-attach.
            if (isResourceInUse(error)) return;
            throw toPolytuneError(error, `CreateTrainingJob ${name}`);
          }
        },
        {
          ...retry,
          signal: ctx.signal,
          onRetry: ({ attempt, delayMs, error }) =>
            ctx.onEvent?.({
              id: `submit:retry-${attempt}`,
              at: now(),
              kind: 'log',
              level: 'warn',
              message: `CreateTrainingJob retry ${attempt} in ${delayMs} ms: ${(error as Error).message}`,
            }),
        },
      );
      emit(`training job ${name} created`);
      return ref;
    },

    async find(key: string): Promise<JobRef | undefined> {
      const name = trainingJobName(key);
      return (await describe(name)) ? refFor(key, name) : undefined;
    },

    async get(ref: JobRef): Promise<JobSnapshot> {
      return snapshotFromDescribe(ref, await mustDescribe(ref), prices);
    },

    async cancel(ref: JobRef): Promise<void> {
      const job = await mustDescribe(ref);
      if (job.TrainingJobStatus === 'Stopping' || isTerminal(snapshotFromDescribe(ref, job, prices).state))
        return;
      await withRetry(
        async () => {
          try {
            await sagemaker().send(new StopTrainingJobCommand({ TrainingJobName: ref.remoteId }));
          } catch (error) {
            throw toPolytuneError(error, `StopTrainingJob ${ref.remoteId}`);
          }
        },
        { ...retry },
      );
    },

    async *events(ref: JobRef, since?: string): AsyncIterable<JobEvent> {
      const events = eventsFromDescribe(await mustDescribe(ref));
      const start = since === undefined ? 0 : events.findIndex((e) => e.id === since) + 1;
      yield* events.slice(start);
    },

    async model(target: JobRef | string): Promise<Model> {
      let endpointName: string;
      let promptModel: string | undefined;
      if (typeof target === 'string') {
        endpointName = target.replace(/^sagemaker:/, '').replace(/^endpoint\//, '');
      } else {
        const job = await mustDescribe(target);
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
        // The catalogue picks the chat template; an entry removed since then falls back to the name.
        promptModel = (() => {
          try {
            return modelForJob(job).id;
          } catch {
            return undefined;
          }
        })();
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
        runtime: runtime(),
        endpointName,
        promptFormat: promptFormatFor(promptModel ?? endpointName),
        retry,
      });
    },

    price(spec: JobSpec, stats: DatasetStats): CostEstimate {
      const model = catalogue.resolve(spec.baseModel);
      return estimateTrainingCost({
        model,
        stats,
        epochs: spec.hyperparameters.epochs ?? Number(model.hyperparameters.epoch ?? 1),
        instanceType: instanceTypeFor(spec, model),
        instanceCount: jobExtra(spec).instanceCount ?? options.instanceCount,
        overheadSeconds: options.assumedOverheadSeconds,
        prices,
      });
    },

    async deploy(ref: JobRef, deployOptions: DeployOptions = {}): Promise<SageMakerDeployment> {
      const job = await mustDescribe(ref);
      const artifacts = job.ModelArtifacts?.S3ModelArtifacts;
      if (job.TrainingJobStatus !== 'Completed' || !artifacts) {
        throw new PolytuneError(
          'INVALID_INPUT',
          `Training job ${ref.remoteId} is ${job.TrainingJobStatus}; only a completed job can be deployed.`,
          {
            hint: 'Wait for it to succeed (`polytune jobs wait <job>`).',
          },
        );
      }
      const deployment = await deployJob(
        deployContext(),
        { name: ref.remoteId, key: ref.key, modelDataUri: artifacts, model: modelForJob(job) },
        deployOptions,
      );
      const price = instancePrice(prices, deployment.instanceType);
      return price?.perHour === undefined ? deployment : { ...deployment, perHour: price.perHour };
    },

    async undeploy(ref: JobRef, undeployOptions: { signal?: AbortSignal } = {}): Promise<string[]> {
      return undeployJob(deployContext(), ref.remoteId, undeployOptions.signal);
    },

    async endpointStatus(ref: JobRef): Promise<string | undefined> {
      const described = await endpointStatus(deployContext(), deploymentNames(ref.remoteId).endpointName);
      return described?.EndpointStatus;
    },
  };
  return provider;
}
