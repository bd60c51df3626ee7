import type OpenAI from 'openai';
import type { CostEstimate } from '../../src/cost/cost-estimate.js';
import type { JobState } from '../../src/jobs/job-state.js';
import { mapRawState } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, JobSnapshot } from '../../src/provider.js';

/** OpenAI job statuses → normalised states. Unknown ones map to `running` via `mapRawState`. */
export const OPENAI_STATUS: Readonly<Record<string, JobState>> = {
  validating_files: 'validating',
  queued: 'queued',
  running: 'running',
  // A paused job is alive and resumable; it is not terminal.
  pausing: 'running',
  paused: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function iso(seconds: number | null | undefined): string | undefined {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : undefined;
}

/** The finite numbers of an object (event data, checkpoint metrics). */
export function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** A job as polytune's snapshot; `cost` is the actual cost when the job reports billed tokens. */
export function snapshotOf(
  job: OpenAI.FineTuning.FineTuningJob,
  ref: JobRef,
  cost?: CostEstimate,
): JobSnapshot {
  const raw = String(job.status);
  const detail =
    raw === 'paused' || raw === 'pausing'
      ? `${raw}: \`polytune jobs\` resume through the API (provider.resume)`
      : job.estimated_finish
        ? `estimated finish ${iso(job.estimated_finish)}`
        : undefined;
  return {
    ref: { ...ref, remoteId: job.id },
    state: mapRawState(OPENAI_STATUS, raw),
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

/** One API event as a polytune event. */
export function eventOf(event: OpenAI.FineTuning.FineTuningJobEvent): JobEvent {
  const metrics = event.type === 'metrics' ? numbers(event.data) : {};
  return {
    id: event.id,
    at: iso(event.created_at) ?? new Date(0).toISOString(),
    kind: event.type === 'metrics' ? 'metric' : 'log',
    level: event.level,
    message: event.message,
    ...(Object.keys(metrics).length ? { metrics } : {}),
  };
}
