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

interface JobsState extends VertexJobsContext {
  /** Untimed states a poll saw, per job, so `events` can date them. */
  observed: Map<string, ObservedState[]>;
}

/**
 * The tuning-job calls (create, find, get, cancel) over the GenAI tuning
 * service. Reads are retried by our one policy; creates are reconciled by
 * the job key's label, because CreateTuningJob has no request id.
 */
export function createVertexJobs(context: VertexJobsContext) {
  const state: JobsState = { ...context, observed: new Map() };
  return {
    get: (name: string, signal?: AbortSignal) => getJob(state, name, signal),
    find: (key: string, signal?: AbortSignal) => findJob(state, key, signal),
    create: (tuningJob: TuningJobBody) => createJob(state, tuningJob),
    cancel: (name: string) => cancelJob(state, name),
    refOf,
    observed: (name: string) => state.observed.get(name),
  };
}

export type VertexJobs = ReturnType<typeof createVertexJobs>;
type TuningJobBody = TuningJob & { preferenceOptimizationSpec?: unknown };

/** Reads are retried on RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED (and a raw 503). */
function read<T>(state: JobsState, action: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return withRetry(
    async () => {
      try {
        return await call();
      } catch (error) {
        throw toPolytuneError(error, action);
      }
    },
    { ...state.retry, signal },
  );
}

function refOf(key: string, job: TuningJob): JobRef {
  if (!job.name) throw new PolytuneError('PROVIDER', 'Vertex AI returned a tuning job without a name.');
  return { provider: 'vertex', key, remoteId: job.name };
}

async function getJob(state: JobsState, name: string, signal?: AbortSignal): Promise<TuningJob> {
  const [job] = await read(
    state,
    `reading tuning job ${name}`,
    () => state.clients.tuning().getTuningJob({ name }),
    signal,
  );
  const raw = rawStateOf(job.state);
  if (UNTIMED_STATES.has(raw) || /^\d+$/.test(raw)) {
    const seen = state.observed.get(name) ?? [];
    if (seen.at(-1)?.raw !== raw) {
      seen.push({ raw, at: isoTime(job.updateTime) ?? new Date().toISOString() });
      state.observed.set(name, seen);
    }
  }
  return job;
}

/** Every job carrying the key's label; the label is checked again in case a filter is ignored. */
async function jobsWithKey(state: JobsState, key: string, signal?: AbortSignal): Promise<TuningJob[]> {
  const value = keyLabelValue(key);
  const found: TuningJob[] = [];
  let pageToken: string | undefined;
  do {
    const request = { parent: state.parent(), filter: keyFilter(key), pageSize: 100, pageToken };
    const [jobs, , response] = await read(
      state,
      'listing tuning jobs',
      () => state.clients.tuning().listTuningJobs(request, { autoPaginate: false }),
      signal,
    );
    found.push(...jobs.filter((job) => labelKeyOf(job) === value));
    pageToken = response?.nextPageToken || undefined;
  } while (pageToken);
  return found;
}

/** The job to re-attach to: a live or succeeded one first, else the newest. */
async function findJob(state: JobsState, key: string, signal?: AbortSignal): Promise<JobRef | undefined> {
  const jobs = await jobsWithKey(state, key, signal);
  if (jobs.length === 0) return undefined;
  const rank = (job: TuningJob) => {
    const jobState = vertexJobState(rawStateOf(job.state));
    return jobState === 'failed' || jobState === 'cancelled' ? 0 : 1;
  };
  const time = (job: TuningJob) => Date.parse(isoTime(job.createTime) ?? '') || 0;
  const best = [...jobs].sort((a, b) => rank(b) - rank(a) || time(b) - time(a))[0] as TuningJob;
  return refOf(key, best);
}

/** One create attempt; the caller reconciles retries through `find`. */
async function createJob(state: JobsState, tuningJob: TuningJobBody): Promise<TuningJob> {
  try {
    if (tuningJob.preferenceOptimizationSpec) return await createThroughRest(state, tuningJob);
    const [job] = await state.clients.tuning().createTuningJob({ parent: state.parent(), tuningJob });
    return job;
  } catch (error) {
    throw toPolytuneError(error, 'creating the tuning job');
  }
}

/**
 * `@google-cloud/aiplatform` 6.x (the last major for Node 20) has no
 * `preferenceOptimizationSpec` in its protos, and its REST transport drops
 * fields its protos lack (google-gax fallbackRest: `fromObject`). So a
 * preference job is posted as proto3 JSON through the client's own auth
 * (google-auth-library), to the URL the SDK would use.
 */
async function createThroughRest(state: JobsState, tuningJob: TuningJob): Promise<TuningJob> {
  const body = JSON.parse(
    JSON.stringify(tuningJob, (k, v) => (k === 'epochCount' && typeof v === 'number' ? String(v) : v)),
  );
  const response = await state.clients.tuning().auth.request<TuningJob>({
    url: `${state.clients.restBase()}/${state.parent()}/tuningJobs`,
    method: 'POST',
    data: body,
  });
  return response.data;
}

async function cancelJob(state: JobsState, name: string): Promise<void> {
  try {
    await read(state, `cancelling ${name}`, () => state.clients.tuning().cancelTuningJob({ name }));
  } catch (error) {
    // Cancelling a job that already ended is refused (FAILED_PRECONDITION); the user's wish holds.
    const job = await getJob(state, name).catch(() => undefined);
    if (job && isTerminal(vertexJobState(rawStateOf(job.state)))) return;
    throw error;
  }
}
