import { PolytuneError } from '../../src/errors.js';
import { isTerminal } from '../../src/jobs/job-state.js';
import type { JobRef } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import type { VertexClients } from './vertex-clients.js';
import { toPolytuneError } from './vertex-errors.js';
import type { ObservedState } from './vertex-events.js';
import { rawStateOf, vertexJobState } from './vertex-job-state.js';
import { keyFilter, keyLabelValue } from './vertex-labels.js';
import { isoTime, labelKeyOf, type TuningJob } from './vertex-tuning-job.js';

/** States that leave no timestamp on the job, so a poll that sees them records one for `events`. */
const UNTIMED_STATES = new Set([
  'JOB_STATE_PENDING',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_PAUSED',
  'JOB_STATE_UPDATING',
]);

export interface VertexJobsContext {
  clients: VertexClients;
  parent: () => string;
  retry: RetryOptions;
}

/**
 * The tuning-job calls (create, find, get, cancel) over the GenAI tuning
 * service. Reads are retried by our one policy; creates are reconciled by
 * the job key's label, because CreateTuningJob has no request id.
 */
export function createVertexJobs({ clients, parent, retry }: VertexJobsContext) {
  const observed = new Map<string, ObservedState[]>();

  /** Reads are retried on RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED (and a raw 503). */
  function read<T>(action: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call();
        } catch (error) {
          throw toPolytuneError(error, action);
        }
      },
      { ...retry, signal },
    );
  }

  function refOf(key: string, job: TuningJob): JobRef {
    if (!job.name) throw new PolytuneError('PROVIDER', 'Vertex AI returned a tuning job without a name.');
    return { provider: 'vertex', key, remoteId: job.name };
  }

  async function get(name: string, signal?: AbortSignal): Promise<TuningJob> {
    const [job] = await read(
      `reading tuning job ${name}`,
      () => clients.tuning().getTuningJob({ name }),
      signal,
    );
    const raw = rawStateOf(job.state);
    if (UNTIMED_STATES.has(raw) || /^\d+$/.test(raw)) {
      const seen = observed.get(name) ?? [];
      if (seen.at(-1)?.raw !== raw) {
        seen.push({ raw, at: isoTime(job.updateTime) ?? new Date().toISOString() });
        observed.set(name, seen);
      }
    }
    return job;
  }

  /** Every job carrying the key's label; the label is checked again in case a filter is ignored. */
  async function withKey(key: string, signal?: AbortSignal): Promise<TuningJob[]> {
    const value = keyLabelValue(key);
    const found: TuningJob[] = [];
    let pageToken: string | undefined;
    do {
      const [jobs, , response] = await read(
        'listing tuning jobs',
        () =>
          clients
            .tuning()
            .listTuningJobs(
              { parent: parent(), filter: keyFilter(key), pageSize: 100, pageToken },
              { autoPaginate: false },
            ),
        signal,
      );
      found.push(...jobs.filter((job) => labelKeyOf(job) === value));
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    return found;
  }

  /** The job to re-attach to: a live or succeeded one first, else the newest. */
  async function find(key: string, signal?: AbortSignal): Promise<JobRef | undefined> {
    const jobs = await withKey(key, signal);
    if (jobs.length === 0) return undefined;
    const rank = (job: TuningJob) => {
      const state = vertexJobState(rawStateOf(job.state));
      return state === 'failed' || state === 'cancelled' ? 0 : 1;
    };
    const time = (job: TuningJob) => Date.parse(isoTime(job.createTime) ?? '') || 0;
    const best = [...jobs].sort((a, b) => rank(b) - rank(a) || time(b) - time(a))[0] as TuningJob;
    return refOf(key, best);
  }

  /** One create attempt; the caller reconciles retries through `find`. */
  async function create(tuningJob: TuningJob & { preferenceOptimizationSpec?: unknown }): Promise<TuningJob> {
    try {
      if (tuningJob.preferenceOptimizationSpec) return await createThroughRest(tuningJob);
      const [job] = await clients.tuning().createTuningJob({ parent: parent(), tuningJob });
      return job;
    } catch (error) {
      throw toPolytuneError(error, 'creating the tuning job');
    }
  }

  /**
   * `@google-cloud/aiplatform` 6.x (the last major for Node 20) has no
   * `preferenceOptimizationSpec` in its protos, and its REST transport drops
   * fields its protos lack. So a preference job is posted as proto3 JSON
   * through the client's own auth (google-auth-library), to the same URL.
   */
  async function createThroughRest(tuningJob: TuningJob): Promise<TuningJob> {
    const body = JSON.parse(
      JSON.stringify(tuningJob, (k, v) => (k === 'epochCount' && typeof v === 'number' ? String(v) : v)),
    );
    const response = await clients.tuning().auth.request<TuningJob>({
      url: `${clients.restBase()}/${parent()}/tuningJobs`,
      method: 'POST',
      data: body,
    });
    return response.data;
  }

  async function cancel(name: string): Promise<void> {
    try {
      await read(`cancelling ${name}`, () => clients.tuning().cancelTuningJob({ name }));
    } catch (error) {
      // Cancelling a job that already ended is refused (FAILED_PRECONDITION); the user's wish holds.
      const job = await get(name).catch(() => undefined);
      if (job && isTerminal(vertexJobState(rawStateOf(job.state)))) return;
      throw error;
    }
  }

  return { get, find, create, cancel, refOf, observed: (name: string) => observed.get(name) };
}

export type VertexJobs = ReturnType<typeof createVertexJobs>;
