import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PolytuneError } from '../../src/errors.js';
import type { JobEvent } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import type { HostingPlan } from './jumpstart-hosting.js';
import { isAlreadyExists, isNotFound, toPolytuneError } from './sagemaker-errors.js';
import { deploymentNames } from './sagemaker-names.js';
import { JOB_KEY_TAG } from './sagemaker-training-request.js';

/** A running (or starting) endpoint for one job. Recorded in the ledger so nothing runs unnoticed. */
export interface SageMakerDeployment {
  provider: 'sagemaker';
  endpointName: string;
  endpointConfigName: string;
  modelName: string;
  instanceType: string;
  instanceCount: number;
  status: string;
  region: string;
  createdAt: string;
  /** The hourly price of the endpoint, when the table knows the instance. */
  perHour?: number;
}

export interface DeployOptions {
  instanceType?: string;
  instanceCount?: number;
  /** Wait for InService. @default true */
  wait?: boolean;
  signal?: AbortSignal;
  onEvent?(event: JobEvent): void;
  /** Called once the resources exist (before waiting), so the caller can record them. */
  onCreated?(deployment: SageMakerDeployment): void | Promise<void>;
}

export interface DeployContext {
  sagemaker: SageMakerClient;
  region: string;
  roleArn: string;
  retry: RetryOptions;
  pollMs: number;
  timeoutMs: number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

async function call<T>(
  ctx: DeployContext,
  action: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        throw toPolytuneError(error, action);
      }
    },
    { ...ctx.retry, signal },
  );
}

/** Creates one resource, treating "already exists" as done (a re-run continues a half-finished deploy). */
async function createOnce(
  ctx: DeployContext,
  action: string,
  fn: () => Promise<unknown>,
  signal?: AbortSignal,
) {
  await call(
    ctx,
    action,
    async () => {
      try {
        await fn();
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    },
    signal,
  );
}

export async function endpointStatus(ctx: DeployContext, endpointName: string, signal?: AbortSignal) {
  return call(
    ctx,
    `DescribeEndpoint ${endpointName}`,
    async () => {
      try {
        return await ctx.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }), {
          abortSignal: signal,
        });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    signal,
  );
}

/**
 * CreateModel → CreateEndpointConfig → CreateEndpoint, each sent once, then polls
 * DescribeEndpoint until InService (or Failed). Names come from the job: when the
 * endpoint already exists (a re-run), nothing is created and the call only waits.
 */
export async function deployJob(
  ctx: DeployContext,
  job: { name: string; key: string; modelDataUri: string; hosting: HostingPlan },
  options: DeployOptions = {},
): Promise<SageMakerDeployment> {
  const names = deploymentNames(job.name);
  const { hosting } = job;
  const instanceCount = options.instanceCount ?? 1;
  const emit = (message: string) =>
    options.onEvent?.({
      id: `deploy:${message}@${new Date(ctx.now()).toISOString()}`,
      at: new Date(ctx.now()).toISOString(),
      kind: 'log',
      level: 'info',
      message,
    });
  const existing = await endpointStatus(ctx, names.endpointName, options.signal);
  if (existing)
    emit(`endpoint ${names.endpointName} exists (${existing.EndpointStatus}); not creating anything`);
  else await createResources(ctx, job, instanceCount, options.signal, emit);
  const deployment: SageMakerDeployment = {
    provider: 'sagemaker',
    ...names,
    instanceType: hosting.instanceType,
    instanceCount,
    status: existing?.EndpointStatus ?? 'Creating',
    region: ctx.region,
    createdAt: new Date(existing?.CreationTime ?? ctx.now()).toISOString(),
  };
  await options.onCreated?.(deployment);
  if (options.wait === false) return deployment;
  return { ...deployment, status: await waitInService(ctx, names.endpointName, options) };
}

async function createResources(
  ctx: DeployContext,
  job: { name: string; key: string; modelDataUri: string; hosting: HostingPlan },
  instanceCount: number,
  signal: AbortSignal | undefined,
  emit: (message: string) => void,
): Promise<void> {
  const names = deploymentNames(job.name);
  const tags = [{ Key: JOB_KEY_TAG, Value: job.key }];
  // Uncompressed JumpStart output is a prefix; a .tar.gz is a single object.
  const compressed = job.modelDataUri.endsWith('.tar.gz');
  const prefix = job.modelDataUri.endsWith('/') ? job.modelDataUri : `${job.modelDataUri}/`;
  const call = { abortSignal: signal };
  await createOnce(
    ctx,
    `CreateModel ${names.modelName}`,
    () =>
      ctx.sagemaker.send(
        new CreateModelCommand({
          ModelName: names.modelName,
          ExecutionRoleArn: ctx.roleArn,
          PrimaryContainer: {
            Image: job.hosting.image,
            ...(compressed
              ? { ModelDataUrl: job.modelDataUri }
              : {
                  ModelDataSource: {
                    S3DataSource: { S3Uri: prefix, S3DataType: 'S3Prefix', CompressionType: 'None' },
                  },
                }),
            Environment: job.hosting.environment,
          },
          EnableNetworkIsolation: job.hosting.networkIsolation,
          Tags: tags,
        }),
        call,
      ),
    signal,
  );
  emit(`model ${names.modelName} created`);
  await createOnce(
    ctx,
    `CreateEndpointConfig ${names.endpointConfigName}`,
    () =>
      ctx.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: names.endpointConfigName,
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              ModelName: names.modelName,
              InstanceType: job.hosting.instanceType as never,
              InitialInstanceCount: instanceCount,
              InitialVariantWeight: 1,
              ContainerStartupHealthCheckTimeoutInSeconds: 1800,
            },
          ],
          Tags: tags,
        }),
        call,
      ),
    signal,
  );
  emit(`endpoint config ${names.endpointConfigName} created`);
  await createOnce(
    ctx,
    `CreateEndpoint ${names.endpointName}`,
    () =>
      ctx.sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: names.endpointName,
          EndpointConfigName: names.endpointConfigName,
          Tags: tags,
        }),
        call,
      ),
    signal,
  );
  emit(`endpoint ${names.endpointName} creating (${instanceCount} × ${job.hosting.instanceType})`);
}

async function waitInService(
  ctx: DeployContext,
  endpointName: string,
  options: DeployOptions,
): Promise<string> {
  const deadline = ctx.now() + ctx.timeoutMs;
  let last = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const described = await endpointStatus(ctx, endpointName, options.signal);
    const status = described?.EndpointStatus ?? 'Missing';
    if (status !== last) {
      options.onEvent?.({
        id: `endpoint:${status}@${new Date(ctx.now()).toISOString()}`,
        at: new Date(ctx.now()).toISOString(),
        kind: 'state',
        level: status === 'Failed' ? 'error' : 'info',
        message: `endpoint ${endpointName}: ${status}`,
      });
      last = status;
    }
    if (status === 'InService') return status;
    if (status === 'Failed' || status === 'Missing') {
      throw new PolytuneError(
        'PROVIDER',
        `Endpoint ${endpointName} ${status === 'Missing' ? 'disappeared' : 'failed'}: ${described?.FailureReason ?? 'no reason given'}`,
        {
          isRetryable: false,
          hint: `Run \`polytune undeploy <job>\` to delete its resources (you are billed while they exist), then check the instance type and quota.`,
        },
      );
    }
    if (ctx.now() >= deadline) {
      throw new PolytuneError(
        'TIMEOUT',
        `Endpoint ${endpointName} is still ${status} after ${ctx.timeoutMs} ms.`,
        {
          isRetryable: false,
          hint: 'It keeps starting (and billing) in the background: run `polytune deploy <job>` again to keep waiting, or `polytune undeploy <job>` to delete it.',
        },
      );
    }
    await ctx.sleep(ctx.pollMs, options.signal);
  }
}

/** Deletes endpoint, endpoint config and model; whatever is already gone is skipped. */
export async function undeployJob(
  ctx: DeployContext,
  jobName: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const names = deploymentNames(jobName);
  const deleted: string[] = [];
  const steps: [string, () => Promise<unknown>][] = [
    [
      `endpoint ${names.endpointName}`,
      () => ctx.sagemaker.send(new DeleteEndpointCommand({ EndpointName: names.endpointName })),
    ],
    [
      `endpoint config ${names.endpointConfigName}`,
      () =>
        ctx.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: names.endpointConfigName })),
    ],
    [
      `model ${names.modelName}`,
      () => ctx.sagemaker.send(new DeleteModelCommand({ ModelName: names.modelName })),
    ],
  ];
  for (const [what, fn] of steps) {
    const gone = await call(
      ctx,
      `delete ${what}`,
      async () => {
        try {
          await fn();
          return false;
        } catch (error) {
          if (isNotFound(error)) return true;
          throw error;
        }
      },
      signal,
    );
    if (!gone) deleted.push(what);
  }
  return deleted;
}
