import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import OpenAI, { AzureOpenAI } from 'openai';
import { Agent } from 'undici';
import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import { lookupPrice } from '../../src/cost/cost-estimate.js';
import { actualTrainingCost, estimateTrainingCost, mergePriceTable } from '../../src/cost/token-cost.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { mapRawState } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, JobSnapshot, Model, Provider, SubmitContext } from '../../src/provider.js';
import { registerSecret } from '../../src/redact.js';
import { withRetry } from '../../src/retry.js';
import { call } from './openai-errors.js';
import { type FileUploadDeps, uploadTrainingFile } from './openai-files.js';
import { buildCreateJobBody, KEY_METADATA } from './openai-job-request.js';
import { createOpenAIModel } from './openai-model.js';
import {
  type OpenAIProviderSettings,
  parseOpenAISettings,
  type ResolvedOpenAISettings,
} from './openai-options.js';
import { AUTO_EPOCHS_ASSUMED, OPENAI_PRICES } from './openai-prices.js';
import { OPENAI_STATUS } from './openai-status.js';
import { OPENAI_MAX_TOKENS_PER_EXAMPLE, OPENAI_MIN_EXAMPLES, validateForOpenAI } from './openai-validate.js';

type FineTuningJob = OpenAI.FineTuning.FineTuningJob;

/** Test seams: a prebuilt client, and the clock and sleep used while polling uploads. */
export interface OpenAIProviderDeps {
  client?: OpenAI;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  now?(): number;
  random?(): number;
}

/** The OpenAI provider: the Provider contract plus OpenAI-only calls. */
export interface OpenAIProvider extends Provider {
  readonly prices: PriceTable;
  pause(ref: JobRef): Promise<JobSnapshot>;
  resume(ref: JobRef): Promise<JobSnapshot>;
  checkpoints(ref: JobRef): Promise<OpenAICheckpoint[]>;
  /** The SDK client (built on first use), for calls polytune does not wrap. */
  client(): OpenAI;
}

export interface OpenAICheckpoint {
  id: string;
  model: string;
  step: number;
  createdAt: string;
  metrics: Record<string, number>;
}

// Pages of jobs or events read while looking something up; bounded so a huge history cannot stall us.
const MAX_PAGES = 20;

function iso(seconds: number | null | undefined): string | undefined {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : undefined;
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/**
 * The SDK's own `fetch` option, routed through one keep-alive undici Agent.
 * Node 20's bundled undici is older and slower at eval concurrency (measured
 * in bench/RESULTS.md); calling the global `fetch` keeps test interception
 * (msw patches it) and proxies set by the user working.
 */
let sharedAgent: Agent | undefined;
const agentFetch = ((url: string | URL | Request, init?: RequestInit) => {
  sharedAgent ??= new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  // `dispatcher` is undici's extension of RequestInit (types differ between the bundled and npm undici).
  return globalThis.fetch(url, { ...init, dispatcher: sharedAgent } as unknown as RequestInit);
}) as typeof globalThis.fetch;

function buildClient(settings: ResolvedOpenAISettings): OpenAI {
  const common = { maxRetries: 0, timeout: settings.requestTimeoutMs, fetch: agentFetch };
  if (settings.azure) {
    const apiKey = settings.apiKey ?? process.env.AZURE_OPENAI_API_KEY;
    const endpoint = settings.azure.endpoint ?? process.env.AZURE_OPENAI_ENDPOINT;
    if (!apiKey || !endpoint) {
      throw new PolytuneError('AUTH', 'Azure OpenAI needs an API key and an endpoint.', {
        hint: 'Set AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT (or `azure.endpoint` in the config).',
      });
    }
    return new AzureOpenAI({
      ...common,
      apiKey,
      endpoint,
      apiVersion: settings.azure.apiVersion ?? process.env.OPENAI_API_VERSION ?? '2025-04-01-preview',
      ...(settings.azure.deployment ? { deployment: settings.azure.deployment } : {}),
    });
  }
  const apiKey = settings.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new PolytuneError('AUTH', 'No OpenAI API key.', {
      hint: 'Set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible endpoint).',
    });
  }
  return new OpenAI({
    ...common,
    apiKey,
    baseURL: settings.baseURL ?? process.env.OPENAI_BASE_URL ?? undefined,
    organization: settings.organization ?? process.env.OPENAI_ORG_ID ?? null,
    project: settings.project ?? process.env.OPENAI_PROJECT_ID ?? null,
  });
}

/**
 * Fine-tuning through the openai SDK (OpenAI, Azure OpenAI, or any compatible
 * base URL). Every create goes out once, without SDK retries; before each
 * retry the job key is looked up by its metadata tag, so a create that reached
 * the server but whose answer was lost is adopted, never repeated.
 */
export function createOpenAIProvider(
  settingsInput: OpenAIProviderSettings = {},
  deps: OpenAIProviderDeps = {},
): OpenAIProvider {
  const settings = parseOpenAISettings(settingsInput);
  registerSecret(settings.apiKey);
  const prices = mergePriceTable(OPENAI_PRICES, settings.prices);
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const now = deps.now ?? Date.now;
  let clientInstance = deps.client;
  const client = (): OpenAI => {
    clientInstance ??= buildClient(settings);
    return clientInstance;
  };
  const retryOptions = (signal?: AbortSignal) => ({ ...settings.retry, signal, random: deps.random });

  const refOf = (job: FineTuningJob, key?: string): JobRef => ({
    provider: 'openai',
    key: key ?? job.metadata?.[KEY_METADATA] ?? '',
    remoteId: job.id,
  });

  function actualCost(job: FineTuningJob): CostEstimate | undefined {
    if (typeof job.trained_tokens !== 'number') return undefined;
    const entry = lookupPrice(prices, job.model);
    return entry?.trainingPer1M === undefined ? undefined : actualTrainingCost(entry, job.trained_tokens);
  }

  function snapshotOf(job: FineTuningJob, ref: JobRef): JobSnapshot {
    const raw = String(job.status);
    const state = mapRawState(OPENAI_STATUS, raw);
    const cost = actualCost(job);
    const detail =
      raw === 'paused' || raw === 'pausing'
        ? `${raw}: \`polytune jobs\` resume through the API (provider.resume)`
        : job.estimated_finish
          ? `estimated finish ${iso(job.estimated_finish)}`
          : undefined;
    return {
      ref: { ...ref, remoteId: job.id },
      state,
      rawState: raw,
      ...(detail ? { detail } : {}),
      ...(iso(job.created_at) ? { createdAt: iso(job.created_at) } : {}),
      ...(iso(job.finished_at) ? { finishedAt: iso(job.finished_at) } : {}),
      ...(job.fine_tuned_model ? { modelId: job.fine_tuned_model } : {}),
      ...(job.error?.message
        ? { error: { code: job.error.code ?? undefined, message: job.error.message } }
        : {}),
      ...(typeof job.trained_tokens === 'number' ? { trainedTokens: job.trained_tokens } : {}),
      ...(cost ? { cost } : {}),
    };
  }

  async function find(key: string, signal?: AbortSignal): Promise<JobRef | undefined> {
    const matches = await call('look up the job by its key', async () => {
      const found: FineTuningJob[] = [];
      let page = await client().fineTuning.jobs.list(
        { metadata: { [KEY_METADATA]: key }, limit: 20 },
        { signal },
      );
      for (let n = 0; n < MAX_PAGES; n++) {
        // A compatible endpoint may ignore the filter: check the tag ourselves.
        found.push(...page.data.filter((job) => job.metadata?.[KEY_METADATA] === key));
        if (!page.hasNextPage()) break;
        page = await page.getNextPage();
      }
      return found;
    });
    if (matches.length === 0) return undefined;
    // Prefer a live or finished job over a failed/cancelled one; then the newest.
    const ranked = [...matches].sort(
      (a, b) =>
        Number(a.status === 'failed' || a.status === 'cancelled') -
          Number(b.status === 'failed' || b.status === 'cancelled') || b.created_at - a.created_at,
    );
    return refOf(ranked[0] as FineTuningJob, key);
  }

  async function retrieve(ref: JobRef, signal?: AbortSignal): Promise<FineTuningJob> {
    return call(`read job ${ref.remoteId}`, () =>
      client().fineTuning.jobs.retrieve(ref.remoteId, { signal }),
    );
  }

  const provider: OpenAIProvider = {
    id: 'openai',
    prices,
    capabilities: {
      methods: ['sft', 'dpo'],
      minExamples: OPENAI_MIN_EXAMPLES,
      maxTokensPerExample: OPENAI_MAX_TOKENS_PER_EXAMPLE,
    },
    client,
    validate: validateForOpenAI,

    find: (key) => find(key),

    async submit(spec: JobSpec, data: PreparedData, ctx: SubmitContext): Promise<JobRef> {
      const compiled = data.manifest.compiled.openai;
      if (!compiled) {
        throw new PolytuneError('INVALID_INPUT', `The prepared folder has no OpenAI files (${data.dir}).`, {
          hint: 'Run `polytune data prepare … --provider openai` to compile the dataset for OpenAI.',
        });
      }
      let seq = 0;
      const emit = (level: JobEvent['level'], message: string) =>
        ctx.onEvent?.({
          id: `openai-submit:${ctx.key}:${++seq}`,
          at: new Date(now()).toISOString(),
          kind: 'log',
          level,
          message,
        });
      const fileDeps: FileUploadDeps = {
        client: client(),
        sleep,
        now,
        pollIntervalMs: settings.filePollIntervalMs,
        processingTimeoutMs: settings.fileProcessingTimeoutMs,
        signal: ctx.signal,
      };
      const targets = [
        { role: 'train', ...compiled.train },
        ...(compiled.validation ? [{ role: 'validation', ...compiled.validation }] : []),
      ];
      const fileIds: Record<string, string> = {};
      for (const target of targets) {
        const upload = { role: target.role, path: join(data.dir, target.file), sha256: target.sha256 };
        // The upload looks for the file by its hash first, so a retry never uploads twice.
        const { id, reused } = await withRetry(
          () => uploadTrainingFile(fileDeps, upload),
          retryOptions(ctx.signal),
        );
        fileIds[target.role] = id;
        emit(
          'info',
          `${reused ? 'Reusing' : 'Uploaded'} ${target.role} file ${id} (${target.count} examples).`,
        );
        await ctx.onUpload?.({ name: target.role, sha256: target.sha256, remoteId: id });
      }
      const body = buildCreateJobBody(spec, ctx.key, {
        training: fileIds.train as string,
        validation: fileIds.validation,
      });
      return withRetry(
        async () => {
          // Reconcile before every attempt: a previous create may have reached the server.
          const existing = await find(ctx.key, ctx.signal);
          if (existing) {
            emit('info', `Job ${existing.remoteId} already carries key ${ctx.key}; re-attached.`);
            return existing;
          }
          const job = await call('create the fine-tuning job', () =>
            client().fineTuning.jobs.create(body, { signal: ctx.signal, maxRetries: 0 }),
          );
          emit('info', `Created fine-tuning job ${job.id} on ${spec.baseModel}.`);
          return refOf(job, ctx.key);
        },
        {
          ...retryOptions(ctx.signal),
          onRetry: ({ attempt, delayMs, error }) =>
            emit(
              'warn',
              `Create attempt ${attempt} failed (${(error as Error).message}); checking for the job and retrying in ${Math.round(delayMs)} ms.`,
            ),
        },
      );
    },

    async get(ref) {
      return snapshotOf(await retrieve(ref), ref);
    },

    async cancel(ref) {
      await call(`cancel job ${ref.remoteId}`, () => client().fineTuning.jobs.cancel(ref.remoteId));
    },

    async pause(ref) {
      return snapshotOf(
        await call(`pause job ${ref.remoteId}`, () => client().fineTuning.jobs.pause(ref.remoteId)),
        ref,
      );
    },

    async resume(ref) {
      return snapshotOf(
        await call(`resume job ${ref.remoteId}`, () => client().fineTuning.jobs.resume(ref.remoteId)),
        ref,
      );
    },

    async checkpoints(ref) {
      return call(`list checkpoints of ${ref.remoteId}`, async () => {
        const out: OpenAICheckpoint[] = [];
        for await (const c of client().fineTuning.jobs.checkpoints.list(ref.remoteId, { limit: 100 })) {
          out.push({
            id: c.id,
            model: c.fine_tuned_model_checkpoint,
            step: c.step_number,
            createdAt: iso(c.created_at) ?? '',
            metrics: numbers(c.metrics),
          });
        }
        return out.sort((a, b) => a.step - b.step);
      });
    },

    async *events(ref, since) {
      // The API lists newest first; read back to `since` (or the start) and yield oldest first.
      const collected = await call(`read events of ${ref.remoteId}`, async () => {
        const newestFirst: OpenAI.FineTuning.FineTuningJobEvent[] = [];
        let page = await client().fineTuning.jobs.listEvents(ref.remoteId, { limit: 100 });
        for (let n = 0; n < MAX_PAGES; n++) {
          for (const event of page.data) {
            if (event.id === since) return newestFirst;
            newestFirst.push(event);
          }
          if (!page.hasNextPage()) break;
          page = await page.getNextPage();
        }
        return newestFirst;
      });
      for (const event of collected.reverse()) {
        const metrics = event.type === 'metrics' ? numbers(event.data) : {};
        yield {
          id: event.id,
          at: iso(event.created_at) ?? new Date(0).toISOString(),
          kind: event.type === 'metrics' ? 'metric' : 'log',
          level: event.level,
          message: event.message,
          ...(Object.keys(metrics).length ? { metrics } : {}),
        } satisfies JobEvent;
      }
    },

    async model(target): Promise<Model> {
      if (typeof target === 'string') {
        return createOpenAIModel(client(), target.replace(/^openai:/, ''), prices);
      }
      const job = await retrieve(target);
      if (job.status !== 'succeeded' || !job.fine_tuned_model) {
        throw new PolytuneError('USAGE', `Job ${job.id} is ${job.status}; it has no fine-tuned model yet.`, {
          hint: `Wait for it: \`polytune jobs wait ${target.key.slice(0, 12) || job.id}\`.`,
        });
      }
      return createOpenAIModel(client(), job.fine_tuned_model, prices);
    },

    price(spec: JobSpec, stats: DatasetStats): CostEstimate {
      const entry = lookupPrice(prices, spec.baseModel);
      if (entry?.trainingPer1M === undefined) {
        throw new PolytuneError('UNSUPPORTED', `No OpenAI training price known for ${spec.baseModel}.`, {
          hint: `Add one: \`prices: { openai: { "${spec.baseModel}": { trainingPer1M: … } } }\` in polytune.config.`,
        });
      }
      const epochs = spec.hyperparameters.epochs ?? AUTO_EPOCHS_ASSUMED;
      const estimate = estimateTrainingCost(entry, stats.tokens.train.total, epochs);
      if (spec.hyperparameters.epochs === undefined)
        estimate.basis += ` (epochs auto: ${AUTO_EPOCHS_ASSUMED} assumed)`;
      if (stats.tokens.approximate) estimate.basis += ' (approximate token counts)';
      return estimate;
    },
  };
  return provider;
}
