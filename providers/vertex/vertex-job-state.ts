import { type JobState, mapRawState } from '../../src/jobs/job-state.js';

/**
 * Every `JobState` of `google.cloud.aiplatform.v1.TuningJob.state`. CANCELLING
 * may still end SUCCEEDED or FAILED, so it stays non-terminal; PAUSED can be
 * resumed and UPDATING returns to RUNNING; EXPIRED ends the job without a
 * model; PARTIALLY_SUCCEEDED has a model, with some results missing.
 */
export const VERTEX_STATE_TABLE: Readonly<Record<string, JobState>> = {
  JOB_STATE_UNSPECIFIED: 'preparing',
  JOB_STATE_QUEUED: 'queued',
  JOB_STATE_PENDING: 'validating',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_SUCCEEDED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_CANCELLING: 'running',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_PAUSED: 'running',
  JOB_STATE_EXPIRED: 'failed',
  JOB_STATE_UPDATING: 'running',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'succeeded',
};

/**
 * The REST transport asks for numeric enums; gax decodes the known ones to
 * names. A state newer than the client's protos stays a number: keep it as
 * its string and map it to a non-terminal state.
 */
export function rawStateOf(state: unknown): string {
  if (state === null || state === undefined) return 'JOB_STATE_UNSPECIFIED';
  return String(state);
}

export function vertexJobState(raw: string): JobState {
  return mapRawState(VERTEX_STATE_TABLE, raw);
}

/** A secondary line for states the normalised union flattens. */
export function stateDetail(raw: string): string | undefined {
  switch (raw) {
    case 'JOB_STATE_CANCELLING':
      return 'cancelling';
    case 'JOB_STATE_PAUSED':
      return 'paused; resume it in the Google Cloud console';
    case 'JOB_STATE_UPDATING':
      return 'updating';
    case 'JOB_STATE_EXPIRED':
      return 'expired before it finished';
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return 'partially succeeded: some results may be missing';
    default:
      return undefined;
  }
}
