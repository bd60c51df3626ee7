import type { DescribeTrainingJobCommandOutput } from '@aws-sdk/client-sagemaker';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { type JobState, mapRawState } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, JobSnapshot } from '../../src/provider.js';
import { actualCost } from './sagemaker-cost.js';

/** TrainingJobStatus → JobState. Unknown statuses fall through mapRawState to a non-terminal state. */
export const TRAINING_STATUS_TABLE: Readonly<Record<string, JobState>> = {
  InProgress: 'running',
  Completed: 'succeeded',
  Failed: 'failed',
  // Stopping is not yet terminal; Stopped is what a cancel ends in.
  Stopping: 'running',
  Stopped: 'cancelled',
};

/** SecondaryStatus refines InProgress: before Training the job is still waiting for its instances. */
export const SECONDARY_STATUS_TABLE: Readonly<Record<string, JobState>> = {
  Starting: 'queued',
  Pending: 'queued',
  LaunchingMLInstances: 'queued',
  PreparingTrainingStack: 'queued',
  Downloading: 'queued',
  DownloadingTrainingImage: 'queued',
  Training: 'running',
  Uploading: 'running',
  Restarting: 'running',
  Interrupted: 'running',
  Updating: 'running',
  Stopping: 'running',
  Completed: 'succeeded',
  Failed: 'failed',
  Stopped: 'cancelled',
  MaxRuntimeExceeded: 'failed',
  MaxWaitTimeExceeded: 'failed',
};

/** A stop SageMaker imposed (not the user's cancel) is a failure. */
const IMPOSED_STOPS = new Set(['MaxRuntimeExceeded', 'MaxWaitTimeExceeded']);

export function trainingJobState(status: string | undefined, secondary: string | undefined): JobState {
  if (status === 'InProgress' && secondary && SECONDARY_STATUS_TABLE[secondary]) {
    const refined = SECONDARY_STATUS_TABLE[secondary];
    // Never let a secondary status claim a terminal state while the primary says InProgress.
    return refined === 'queued' ? 'queued' : 'running';
  }
  if (status === 'Stopped' && secondary && IMPOSED_STOPS.has(secondary)) return 'failed';
  return mapRawState(TRAINING_STATUS_TABLE, status);
}

/** `huggingface-textgeneration:train-loss` → `train_loss`. */
export function metricName(name: string): string {
  return (name.split(':').pop() ?? name).replace(/[^a-zA-Z0-9]+/g, '_');
}

type Describe = Pick<
  DescribeTrainingJobCommandOutput,
  | 'TrainingJobName'
  | 'TrainingJobStatus'
  | 'SecondaryStatus'
  | 'FailureReason'
  | 'CreationTime'
  | 'TrainingEndTime'
  | 'ModelArtifacts'
  | 'FinalMetricDataList'
  | 'BillableTimeInSeconds'
  | 'ResourceConfig'
  | 'SecondaryStatusTransitions'
>;

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function snapshotFromDescribe(ref: JobRef, job: Describe, prices: PriceTable): JobSnapshot {
  const raw = job.TrainingJobStatus ?? 'Unknown';
  const state = trainingJobState(job.TrainingJobStatus, job.SecondaryStatus);
  const metrics: Record<string, number> = {};
  for (const m of job.FinalMetricDataList ?? []) {
    if (m.MetricName && typeof m.Value === 'number') metrics[metricName(m.MetricName)] = m.Value;
  }
  const detail = [job.SecondaryStatus, job.SecondaryStatusTransitions?.at(-1)?.StatusMessage]
    .filter(Boolean)
    .join(': ');
  const failure =
    state === 'failed'
      ? {
          code: job.SecondaryStatus ?? raw,
          message: job.FailureReason ?? `Training job ended as ${raw}/${job.SecondaryStatus ?? '?'}.`,
        }
      : undefined;
  return {
    ref,
    state,
    rawState: raw,
    detail: detail || undefined,
    createdAt: iso(job.CreationTime),
    finishedAt: iso(job.TrainingEndTime),
    modelId: state === 'succeeded' ? job.ModelArtifacts?.S3ModelArtifacts : undefined,
    metrics: Object.keys(metrics).length ? metrics : undefined,
    error: failure,
    cost: actualCost(job, prices),
  };
}

/** Events from SecondaryStatusTransitions (oldest first), then the final metrics; ids are stable. */
export function eventsFromDescribe(job: Describe): JobEvent[] {
  const events: JobEvent[] = [];
  for (const t of job.SecondaryStatusTransitions ?? []) {
    const at = iso(t.StartTime);
    if (!t.Status || !at) continue;
    const state = SECONDARY_STATUS_TABLE[t.Status] ?? 'running';
    const level =
      t.Status === 'Failed' || IMPOSED_STOPS.has(t.Status)
        ? 'error'
        : t.Status === 'Interrupted' || t.Status === 'Stopped'
          ? 'warn'
          : 'info';
    events.push({
      id: `status:${t.Status}@${at}`,
      at,
      kind: 'state',
      level,
      message: t.StatusMessage ? `${t.Status}: ${t.StatusMessage}` : t.Status,
      state: IMPOSED_STOPS.has(t.Status) ? 'failed' : state,
    });
  }
  const metricAt = iso(job.TrainingEndTime) ?? events.at(-1)?.at;
  for (const m of job.FinalMetricDataList ?? []) {
    const at = iso(m.Timestamp) ?? metricAt;
    if (!m.MetricName || typeof m.Value !== 'number' || !at) continue;
    const name = metricName(m.MetricName);
    events.push({
      id: `metric:${name}@${at}`,
      at,
      kind: 'metric',
      level: 'info',
      message: `${name} = ${m.Value}`,
      metrics: { [name]: m.Value },
    });
  }
  // Stable sort by time keeps transitions in their reported order when times tie.
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
}
