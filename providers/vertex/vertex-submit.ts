import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { JobRef, SubmitContext } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { rawStateOf, vertexJobState } from './vertex-job-state.js';
import type { VertexJobs } from './vertex-jobs.js';
import type { TunableGemini } from './vertex-tunable-models.js';
import { buildTuningJob, isoTime } from './vertex-tuning-job.js';
import { type PreparedUploadTarget, uploadPreparedData } from './vertex-upload.js';
import { refuseUntunable } from './vertex-validate.js';

export interface VertexSubmitContext {
  jobs: VertexJobs;
  /** The tuning region, checked against the model before any request. */
  location: string;
  table: readonly TunableGemini[];
  upload: PreparedUploadTarget;
  retry: RetryOptions;
}

/**
 * Submit: refuse a model, adapter size or region Vertex does not tune (before
 * any request), re-attach to a job with this key if one exists, else upload the
 * compiled files and create the job. CreateTuningJob has no request id, so
 * every retry first looks for a job carrying our key.
 */
export async function submitTuningJob(
  { jobs, location, table, upload, retry }: VertexSubmitContext,
  spec: JobSpec,
  data: PreparedData,
  ctx: SubmitContext,
): Promise<JobRef> {
  refuseUntunable(spec, location, table);
  const existing = await jobs.find(ctx.key, ctx.signal);
  if (existing) return existing;
  const files = await uploadPreparedData(data, ctx, {
    ...upload,
    retry: { ...upload.retry, signal: ctx.signal },
  });
  const tuningJob = buildTuningJob({
    spec,
    key: ctx.key,
    trainingDatasetUri: files.train.uri,
    validationDatasetUri: files.validation?.uri,
  });
  return withRetry(
    async (attempt) => {
      if (attempt > 0) {
        const found = await jobs.find(ctx.key, ctx.signal);
        if (found) return found;
      }
      const job = await jobs.create(tuningJob);
      ctx.onEvent?.({
        id: `created:${job.name}`,
        at: isoTime(job.createTime) ?? new Date().toISOString(),
        kind: 'state',
        level: 'info',
        state: vertexJobState(rawStateOf(job.state)),
        message: `created tuning job ${job.name}`,
      });
      return jobs.refOf(ctx.key, job);
    },
    { ...retry, signal: ctx.signal },
  );
}
