import type { CognitiveServicesManagementClient, Deployment } from '@azure/arm-cognitiveservices';
import type { TokenCredential } from '@azure/identity';
import { httpExchange, isPolytuneError, PolytuneError } from '../../src/errors.js';
import type { JobEvent, JobRef } from '../../src/provider.js';
import type { OpenAIJobCalls } from './openai-jobs.js';
import type { ResolvedAzureSettings } from './openai-options.js';

/**
 * `polytune deploy` on Azure OpenAI: a fine-tuned Azure model serves nothing
 * until it is deployed through the control plane. One deployment per job,
 * named after the job key, created with the official management SDK
 * (`deployments.beginCreateOrUpdate`, ARM api-version 2025-09-01, the default
 * of @azure/arm-cognitiveservices 8.1.0) and removed by `undeploy`.
 *
 * SKU names: `developertier` is the Developer tier of fine-tuned models (no hosting fee, no SLA,
 * a fixed 24 h lifetime; request body `{"sku": {"name": "developertier", "capacity": 50}, …}` in
 * https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/fine-tune-test, read 2026-12-06);
 * `standard` bills an hourly hosting fee.
 */
export interface AzureDeployDeps {
  /** @default DefaultAzureCredential from @azure/identity (az login, managed identity, env). */
  credential?: TokenCredential;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  /** Between status reads while a deployment is created. @default 10000 */
  pollIntervalMs?: number;
}

export interface AzureDeployOptions {
  /** `developertier` or `standard` (a raw Azure SKU name); default from settings. */
  instanceType?: string;
  /** Capacity in thousands of tokens per minute. */
  instanceCount?: number;
  wait?: boolean;
  signal?: AbortSignal;
  onEvent?(event: JobEvent): void;
}

export const SKU_BY_TIER = { developer: 'developertier', standard: 'Standard' } as const;
const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled', 'Disabled']);

/** The deployment of a job: one per job key, so `deploy` again finds it instead of creating another. */
export function deploymentNameFor(ref: JobRef): string {
  return `polytune-${(ref.key || ref.remoteId).slice(0, 12)}`;
}

function armError(error: unknown, action: string): PolytuneError {
  if (isPolytuneError(error)) return error;
  const e = error as {
    statusCode?: number;
    message?: string;
    request?: { method?: string; url?: string };
    response?: { headers?: { get(name: string): string | undefined }; bodyAsText?: string };
  };
  const status = e.statusCode;
  const http = httpExchange({
    provider: 'azure',
    ...(status !== undefined ? { status } : {}),
    requestId: e.response?.headers?.get('x-ms-request-id'),
    method: e.request?.method,
    url: e.request?.url,
    bodyExcerpt: e.response?.bodyAsText,
  });
  const hint =
    status === 401 || status === 403
      ? // Roles that manage deployments: learn.microsoft.com/en-us/azure/ai-services/openai/how-to/role-based-access-control (read 2026-12-06).
        'The identity needs Cognitive Services OpenAI Contributor (or Cognitive Services Contributor) on the Azure OpenAI resource; sign in with `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET.'
      : 'Check azure.subscriptionId, azure.resourceGroup and azure.accountName, and the deployment quota of the resource.';
  return new PolytuneError(
    status === 401 ? 'AUTH' : status === 403 ? 'PERMISSION' : status === 404 ? 'NOT_FOUND' : 'PROVIDER',
    `Azure refused to ${action}${status ? ` (${status})` : ''}: ${e.message ?? String(error)}`,
    { cause: error, http, hint, isRetryable: status === 429 || (status ?? 0) >= 500 },
  );
}

function required(value: string | undefined, name: string, env: string): string {
  if (value) return value;
  throw new PolytuneError('USAGE', `Azure deployment needs ${name}.`, {
    hint: `Set \`providers.openai.azure.${name}\` in polytune.config or ${env}.`,
  });
}

/** The control plane of one Azure OpenAI account: the ARM client (built on first use) and deployment reads. */
function controlPlane(settings: ResolvedAzureSettings, deps: AzureDeployDeps) {
  let arm: CognitiveServicesManagementClient | undefined;
  const resourceGroup = () =>
    required(
      settings.resourceGroup ?? process.env.AZURE_RESOURCE_GROUP,
      'resourceGroup',
      'AZURE_RESOURCE_GROUP',
    );
  const account = () => {
    const endpoint = settings.endpoint ?? process.env.AZURE_OPENAI_ENDPOINT;
    const fromEndpoint = endpoint ? new URL(endpoint).hostname.split('.')[0] : undefined;
    return required(settings.accountName ?? fromEndpoint, 'accountName', 'AZURE_OPENAI_ENDPOINT');
  };
  async function client(): Promise<CognitiveServicesManagementClient> {
    if (arm) return arm;
    const subscription = required(
      settings.subscriptionId ?? process.env.AZURE_SUBSCRIPTION_ID,
      'subscriptionId',
      'AZURE_SUBSCRIPTION_ID',
    );
    // Loaded on first deploy only: most runs never touch the control plane.
    const { CognitiveServicesManagementClient } = await import('@azure/arm-cognitiveservices');
    const credential = deps.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    const host = settings.managementEndpoint ?? 'https://management.azure.com';
    arm = new CognitiveServicesManagementClient(credential, subscription, { endpoint: host, $host: host });
    return arm;
  }
  async function current(name: string): Promise<Deployment | undefined> {
    try {
      return await (await client()).deployments.get(resourceGroup(), account(), name);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw armError(error, `read deployment ${name}`);
    }
  }
  const lro = (signal?: AbortSignal) => ({
    updateIntervalInMs: deps.pollIntervalMs ?? 10_000,
    abortSignal: signal,
  });
  return { client, current, resourceGroup, account, lro };
}

type ControlPlane = ReturnType<typeof controlPlane>;

/** Sends the PUT once; with `wait`, polls until the deployment is done. */
async function create(plane: ControlPlane, name: string, body: Deployment, options: AzureDeployOptions) {
  try {
    const poller = await (await plane.client()).deployments.beginCreateOrUpdate(
      plane.resourceGroup(),
      plane.account(),
      name,
      body,
      plane.lro(options.signal),
    );
    return options.wait ? await poller.pollUntilDone() : (poller.getOperationState().result ?? body);
  } catch (error) {
    throw armError(error, `create deployment ${name}`);
  }
}

async function deployJob(
  plane: ControlPlane,
  settings: ResolvedAzureSettings,
  jobs: OpenAIJobCalls,
  deps: AzureDeployDeps,
  ref: JobRef,
  options: AzureDeployOptions,
) {
  const job = await jobs.retrieve(ref, options.signal);
  if (job.status !== 'succeeded' || !job.fine_tuned_model) {
    throw new PolytuneError(
      'USAGE',
      `Job ${job.id} is ${job.status}; there is no fine-tuned model to deploy yet.`,
      {
        hint: `Wait for it: \`polytune jobs wait ${ref.key.slice(0, 12) || job.id}\`.`,
      },
    );
  }
  const name = deploymentNameFor(ref);
  const sku = options.instanceType ?? SKU_BY_TIER[settings.deploymentTier];
  const capacity = options.instanceCount ?? settings.deploymentCapacity;
  let deployment = await plane.current(name);
  if (!deployment) {
    options.onEvent?.(
      event(
        ref,
        `Creating Azure deployment ${name} (${sku}, capacity ${capacity}) of ${job.fine_tuned_model}.`,
        deps.now(),
      ),
    );
    const body: Deployment = {
      sku: { name: sku, capacity },
      properties: { model: { format: 'OpenAI', name: job.fine_tuned_model, version: '1' } },
    };
    deployment = await create(plane, name, body, options);
  }
  // Created earlier (e.g. by `deploy --no-wait`): only wait, never create again.
  while (options.wait && !TERMINAL.has(deployment?.properties?.provisioningState ?? 'Succeeded')) {
    await deps.sleep(deps.pollIntervalMs ?? 10_000, options.signal);
    deployment = (await plane.current(name)) ?? deployment;
  }
  const status = deployment?.properties?.provisioningState ?? (options.wait ? 'Succeeded' : 'Creating');
  if (status === 'Failed') {
    throw new PolytuneError('PROVIDER', `Azure deployment ${name} failed.`, {
      hint: 'See the deployment in the Azure portal; check the model quota of the resource and region.',
    });
  }
  return {
    endpointName: name,
    status,
    instanceType: deployment?.sku?.name ?? sku,
    instanceCount: deployment?.sku?.capacity ?? capacity,
    createdAt: new Date(deps.now()).toISOString(),
    model: job.fine_tuned_model,
    ...(sku === SKU_BY_TIER.developer
      ? { lifetime: '24h (Developer tier: deleted by Azure after 24 hours)' }
      : {}),
  };
}

async function undeployJob(
  plane: ControlPlane,
  ref: JobRef,
  options: { signal?: AbortSignal },
): Promise<string[]> {
  const name = deploymentNameFor(ref);
  if (!(await plane.current(name))) return [];
  try {
    await (await plane.client()).deployments.beginDeleteAndWait(
      plane.resourceGroup(),
      plane.account(),
      name,
      plane.lro(options.signal),
    );
  } catch (error) {
    throw armError(error, `delete deployment ${name}`);
  }
  return [`Azure OpenAI deployment ${name}`];
}

export function createAzureDeployer(
  settings: ResolvedAzureSettings,
  jobs: OpenAIJobCalls,
  deps: AzureDeployDeps,
) {
  const plane = controlPlane(settings, deps);
  return {
    deploymentNameFor,
    deploy: (ref: JobRef, options: AzureDeployOptions = {}) =>
      deployJob(plane, settings, jobs, deps, ref, options),
    undeploy: (ref: JobRef, options: { signal?: AbortSignal } = {}) => undeployJob(plane, ref, options),
  };
}

function event(ref: JobRef, message: string, now: number): JobEvent {
  return {
    id: `azure-deploy:${ref.key}:${now}`,
    at: new Date(now).toISOString(),
    kind: 'log',
    level: 'info',
    message,
  };
}

export type AzureDeployer = ReturnType<typeof createAzureDeployer>;
