import type { PriceTable } from '../../src/cost/cost-estimate.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { isTerminal } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, Provider, TunableModel } from '../../src/provider.js';
import { type HubContext, listHubModels } from './jumpstart-hub.js';
import { priceSpec, validateSpec } from './sagemaker-checks.js';
import { createSageMakerContext } from './sagemaker-clients.js';
import type { DeployOptions, SageMakerDeployment } from './sagemaker-deploy.js';
import { createEndpoints } from './sagemaker-endpoints.js';
import { eventsFromDescribe, snapshotFromDescribe } from './sagemaker-job-status.js';
import { createJobCalls } from './sagemaker-jobs.js';
import { trainingJobName } from './sagemaker-names.js';
import { parseSageMakerOptions, type SageMakerProviderOptions } from './sagemaker-options.js';
import { createPlanner } from './sagemaker-planner.js';
import { fetchTrainingPrices, readPriceCache, writePriceCache } from './sagemaker-price-list.js';
import { sagemakerPriceTable } from './sagemaker-prices.js';
import { submitTraining } from './sagemaker-submit.js';

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

/**
 * Wires the parts: settings and clients (sagemaker-clients), the JumpStart hub
 * (jumpstart-*), plan-time checks (sagemaker-planner, sagemaker-checks), job
 * calls (sagemaker-jobs, sagemaker-submit), status mapping (sagemaker-job-status),
 * endpoints and the Model (sagemaker-endpoints), prices (sagemaker-price*).
 */
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
  const endpoints = createEndpoints(ctx, jobs, hub, prices);
  const snapshot = async (ref: JobRef) =>
    snapshotFromDescribe(ref, await jobs.mustDescribe(ref.remoteId), prices);

  return {
    id: 'sagemaker',
    capabilities: { methods: ['sft'], minExamples: 1 },
    prepare: (spec, data) => planner.prepare(spec, data),
    validate: (stats, spec) => validateSpec(options, planner, prices, stats, spec),
    price: (spec, stats) => priceSpec(options, planner, prices, spec, stats),
    submit: (spec, data, submitCtx) => submitTraining({ ctx, jobs, planner }, spec, data, submitCtx),
    async find(key) {
      const name = trainingJobName(key);
      return (await jobs.describe(name)) ? { provider: 'sagemaker', key, remoteId: name } : undefined;
    },
    get: snapshot,
    async cancel(ref) {
      const current = await snapshot(ref);
      if (current.rawState === 'Stopping' || isTerminal(current.state)) return;
      await jobs.stop(ref.remoteId);
    },
    async *events(ref: JobRef, since?: string): AsyncIterable<JobEvent> {
      const events = eventsFromDescribe(await jobs.mustDescribe(ref.remoteId));
      const start = since === undefined ? 0 : events.findIndex((e) => e.id === since) + 1;
      yield* events.slice(start);
    },
    model: endpoints.model,
    deploy: endpoints.deploy,
    undeploy: endpoints.undeploy,
    endpointStatus: endpoints.endpointStatus,
    listTunableModels: async (): Promise<TunableModel[]> =>
      (await listHubModels(hub)).map((m) => ({
        id: m.id,
        methods: ['sft'],
        source: 'hub',
        sourceUrl: `ListHubContents ${options.hubName} (${ctx.region()})`,
        date: (m.createdAt ?? '').slice(0, 10) || 'unknown',
        notes: `version ${m.version}; trainability and EULA are read from its hub document at plan time`,
      })),
    async refreshPrices() {
      const date = new Date().toISOString().slice(0, 10);
      const fetched = await fetchTrainingPrices(ctx.pricing(), ctx.region(), ctx.retry, date);
      const file = await writePriceCache(options.cacheDir, fetched);
      Object.assign(prices, fetched.instances, options.prices);
      return { file, count: Object.keys(fetched.instances).length, date };
    },
  };
}
