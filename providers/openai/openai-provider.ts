import { setTimeout as delay } from 'node:timers/promises';
import type OpenAI from 'openai';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { mergePriceTable } from '../../src/cost/token-cost.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobRef, JobSnapshot, Model, Provider } from '../../src/provider.js';
import { registerSecret } from '../../src/redact.js';
import { type AzureDeployDeps, type AzureDeployer, createAzureDeployer } from './openai-azure-deploy.js';
import { mergeCalendar, tunableFromCalendar } from './openai-calendar.js';
import { buildClient, calendarModeFor, endpointLabel } from './openai-client.js';
import { createJobCalls, type OpenAICheckpoint } from './openai-jobs.js';
import { createOpenAIModel } from './openai-model.js';
import { type OpenAIProviderSettings, parseOpenAISettings } from './openai-options.js';
import { actualOpenAICost, estimateOpenAICost } from './openai-price-estimate.js';
import { OPENAI_PRICES } from './openai-prices.js';
import { eventOf, snapshotOf } from './openai-status.js';
import { submitOpenAIJob } from './openai-submit.js';
import {
  OPENAI_MAX_TOKENS_PER_EXAMPLE,
  OPENAI_MIN_EXAMPLES,
  refuseInvalid,
  validateForOpenAI,
} from './openai-validate.js';

export type { OpenAICheckpoint } from './openai-jobs.js';

/** Test seams: a prebuilt client, the clock (also today's date for the model calendar), sleep, jitter, Azure credential. */
export interface OpenAIProviderDeps {
  client?: OpenAI;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  now?(): number;
  random?(): number;
  azureCredential?: AzureDeployDeps['credential'];
  /** Between Azure deployment status reads. @default 10000 */
  azurePollIntervalMs?: number;
}

/** The OpenAI provider: the Provider contract plus OpenAI-only calls (and Azure deployments). */
export interface OpenAIProvider extends Provider {
  readonly prices: PriceTable;
  pause(ref: JobRef): Promise<JobSnapshot>;
  resume(ref: JobRef): Promise<JobSnapshot>;
  checkpoints(ref: JobRef): Promise<OpenAICheckpoint[]>;
  /** The SDK client (built on first use), for calls polytune does not wrap. */
  client(): OpenAI;
  /** Azure only: deploy a finished job's model (`polytune deploy`), and remove it. */
  deploy?: AzureDeployer['deploy'];
  undeploy?: AzureDeployer['undeploy'];
}

/**
 * Fine-tuning through the openai SDK (OpenAI, Azure OpenAI, or any compatible
 * base URL). This wires the parts: settings, the model calendar and
 * validation, uploads and job calls, status mapping, the Model, prices and,
 * on Azure, deployments.
 */
export function createOpenAIProvider(
  settingsInput: OpenAIProviderSettings = {},
  deps: OpenAIProviderDeps = {},
): OpenAIProvider {
  const settings = parseOpenAISettings(settingsInput);
  registerSecret(settings.apiKey);
  const prices = mergePriceTable(OPENAI_PRICES, settings.prices);
  const calendar = mergeCalendar(settings.calendar);
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const now = deps.now ?? Date.now;
  let clientInstance = deps.client;
  const client = (): OpenAI => {
    clientInstance ??= buildClient(settings);
    return clientInstance;
  };
  const label = endpointLabel(settings);
  const jobs = createJobCalls(client, label);
  const retry = (signal?: AbortSignal) => ({ ...settings.retry, signal, random: deps.random });

  const snapshot = (job: OpenAI.FineTuning.FineTuningJob, ref: JobRef) =>
    snapshotOf(job, ref, actualOpenAICost(prices, job));
  const modelFor = (id: string) => createOpenAIModel(client(), id, prices, label);

  const azure = settings.azure
    ? createAzureDeployer(settings.azure, jobs, {
        credential: deps.azureCredential,
        sleep,
        now,
        pollIntervalMs: deps.azurePollIntervalMs,
      })
    : undefined;

  const submitDeps = {
    client,
    jobs,
    retry,
    sleep,
    now,
    pollIntervalMs: settings.filePollIntervalMs,
    processingTimeoutMs: settings.fileProcessingTimeoutMs,
  };

  const provider: OpenAIProvider = {
    id: 'openai',
    prices,
    capabilities: {
      methods: ['sft', 'dpo', 'reinforcement'],
      minExamples: OPENAI_MIN_EXAMPLES,
      maxTokensPerExample: OPENAI_MAX_TOKENS_PER_EXAMPLE,
    },
    client,
    validate: (stats, spec) =>
      validateForOpenAI(stats, spec, { calendar, today: now(), calendarMode: calendarModeFor(settings) }),
    find: (key) => jobs.find(key),
    async submit(spec, data, ctx) {
      // Calendar, limits and hyperparameters before any upload or look-up, also when called without submitJob.
      refuseInvalid(provider.validate(data.manifest.stats as unknown as DatasetStats, spec));
      return submitOpenAIJob(submitDeps, spec, data, ctx);
    },
    get: async (ref) => snapshot(await jobs.retrieve(ref), ref),
    cancel: async (ref) => {
      await jobs.action('cancel', ref);
    },
    pause: async (ref) => snapshot(await jobs.action('pause', ref), ref),
    resume: async (ref) => snapshot(await jobs.action('resume', ref), ref),
    checkpoints: (ref) => jobs.checkpoints(ref),
    async *events(ref, since) {
      for (const event of await jobs.eventsSince(ref, since)) yield eventOf(event);
    },
    async model(target): Promise<Model> {
      if (typeof target === 'string') return modelFor(target.replace(/^openai:/, ''));
      const job = await jobs.retrieve(target);
      if (job.status !== 'succeeded' || !job.fine_tuned_model) {
        throw new PolytuneError('USAGE', `Job ${job.id} is ${job.status}; it has no fine-tuned model yet.`, {
          hint: `Wait for it: \`polytune jobs wait ${target.key.slice(0, 12) || job.id}\`.`,
        });
      }
      // On Azure a fine-tuned model is called through its deployment (`polytune deploy`).
      return modelFor(azure ? azure.deploymentNameFor(target) : job.fine_tuned_model);
    },
    price: (spec, stats) => estimateOpenAICost(prices, spec, stats),
    async listTunableModels() {
      if (settings.azure) {
        throw new PolytuneError(
          'UNSUPPORTED',
          "The model calendar is OpenAI's; Azure OpenAI lists its fine-tunable models per region.",
          {
            hint: 'See https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/fine-tuning (models and regions), or drop `azure` to list OpenAI’s.',
          },
        );
      }
      return tunableFromCalendar(calendar, now());
    },
    ...(azure ? { deploy: azure.deploy, undeploy: azure.undeploy } : {}),
  };
  return provider;
}
