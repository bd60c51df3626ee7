import { PolytuneError } from '../../src/errors.js';
import type { JobRef } from '../../src/provider.js';
import { rawStateOf, vertexJobState } from './vertex-job-state.js';
import { modelResource } from './vertex-model.js';
import { multiRegionFor, servedFromMultiRegion, type TunableGemini } from './vertex-tunable-models.js';
import type { TuningJob } from './vertex-tuning-job.js';

export interface ModelTarget {
  /** Full resource name the calls go to. */
  resource: string;
  baseModel?: string;
  /** The location whose endpoint serves it: a region, or `us`/`eu` for Gemini 3 tuned models. */
  servingLocation: string;
  /**
   * What a batch prediction job runs for it (`eval --batch`): the publisher model, the tuned
   * model, or for a named endpoint a lookup of the model it serves (made at the first create).
   */
  batchModel?: string | (() => Promise<string | undefined>);
}

interface TargetContext {
  getJob(name: string): Promise<TuningJob>;
  project(): string;
  location: string;
  table: readonly TunableGemini[];
  /** The model a tuned endpoint serves. */
  deployedModel(endpoint: string): Promise<string | undefined>;
}

/**
 * What `model(target)` calls: a tuning job's tuned endpoint, or a named
 * endpoint or publisher model. Tuned Gemini 3 models are served only from the
 * `us`/`eu` multi-region endpoints (issue 12, quoting the supervised-tuning
 * page; hostnames from the locations page, see vertex-tunable-models.ts), so
 * their calls go there with the endpoint's location rewritten to match.
 */
export async function resolveModelTarget(target: string | JobRef, ctx: TargetContext): Promise<ModelTarget> {
  const jobName =
    typeof target === 'string'
      ? /\/tuningJobs\/[^/]+$/.test(target)
        ? target.replace(/^vertex:/, '')
        : undefined
      : target.remoteId;
  if (!jobName) {
    const resource = modelResource(target as string, ctx.project(), ctx.location);
    const servingLocation = /\/locations\/([^/]+)\//.exec(resource)?.[1] ?? ctx.location;
    if (resource.includes('/publishers/')) {
      const batchModel = resource.replace(/^projects\/[^/]+\/locations\/[^/]+\//, '');
      return { resource, servingLocation, baseModel: resource, batchModel };
    }
    const batchModel = resource.includes('/endpoints/') ? () => ctx.deployedModel(resource) : undefined;
    return { resource, servingLocation, ...(batchModel ? { batchModel } : {}) };
  }
  const job = await ctx.getJob(jobName);
  const raw = rawStateOf(job.state);
  const endpoint = job.tunedModel?.endpoint;
  if (vertexJobState(raw) !== 'succeeded' || !endpoint) {
    throw new PolytuneError(
      'NOT_FOUND',
      `Tuning job ${jobName} has no tuned model to call yet (state ${raw}).`,
      {
        hint: 'Wait for the job to succeed (`polytune jobs wait`), then run the evaluation.',
        isRetryable: false,
      },
    );
  }
  const baseModel = job.baseModel ?? undefined;
  const batchModel = job.tunedModel?.model ?? undefined;
  const region = /\/locations\/([^/]+)\//.exec(endpoint)?.[1] ?? ctx.location;
  if (!baseModel || !servedFromMultiRegion(baseModel, ctx.table) || region === 'us' || region === 'eu') {
    return { resource: endpoint, baseModel, servingLocation: region, batchModel };
  }
  const multiRegion = multiRegionFor(region);
  return {
    resource: endpoint.replace(`/locations/${region}/`, `/locations/${multiRegion}/`),
    baseModel,
    servingLocation: multiRegion,
    batchModel,
  };
}
