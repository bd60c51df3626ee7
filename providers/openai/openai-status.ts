import type { JobState } from '../../src/jobs/job-state.js';

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
