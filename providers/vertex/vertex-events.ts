import type { JobEvent } from '../../src/provider.js';
import { rawStateOf, stateDetail, vertexJobState } from './vertex-job-state.js';
import { dataStatsMetrics, isoTime, type TuningJob } from './vertex-tuning-job.js';

/** A state a poll saw, with the job's `updateTime` then. */
export interface ObservedState {
  raw: string;
  at: string;
}

/**
 * Vertex keeps no event log for tuning jobs, so events are derived from what
 * the job resource records (create/start/end times, data stats, error) plus
 * the states this process saw while polling (PAUSED, CANCELLING, UPDATING leave
 * no timestamp of their own). Ids are derived from content, so re-reading
 * yields the same ids and `since` resumes.
 */
export function vertexEvents(job: TuningJob, observed: readonly ObservedState[] = []): JobEvent[] {
  const events: JobEvent[] = [];
  const created = isoTime(job.createTime);
  const started = isoTime(job.startTime);
  const ended = isoTime(job.endTime);
  const updated = isoTime(job.updateTime);
  const raw = rawStateOf(job.state);

  if (created) {
    events.push({
      id: 'created',
      at: created,
      kind: 'state',
      level: 'info',
      state: 'queued',
      message: 'tuning job created',
    });
  }
  if (started) {
    events.push({
      id: 'started',
      at: started,
      kind: 'state',
      level: 'info',
      state: 'running',
      message: 'tuning started',
    });
  }
  const metrics = dataStatsMetrics(job);
  const stats = job.tuningDataStats?.supervisedTuningDataStats;
  if (metrics) {
    const truncated = metrics.truncatedExamples ?? 0;
    const reasons = (stats?.droppedExampleReasons ?? []).slice(0, 3).join('; ');
    events.push({
      id: 'data-stats',
      at: started ?? created ?? updated ?? new Date(0).toISOString(),
      kind: 'metric',
      level: truncated > 0 ? 'warn' : 'info',
      message:
        `data validated: ${metrics.exampleCount ?? '?'} examples, ${metrics.billableTokens ?? '?'} billable tokens` +
        (truncated > 0
          ? `; ${truncated} examples dropped or truncated${reasons ? ` (${reasons})` : ''}`
          : ''),
      metrics,
    });
  }
  for (const seen of observed) {
    if (seen.raw === raw && ended) continue;
    events.push({
      id: `state:${seen.raw}:${seen.at}`,
      at: seen.at,
      kind: 'state',
      level: 'info',
      state: vertexJobState(seen.raw),
      message: `state ${seen.raw}${stateDetail(seen.raw) ? ` (${stateDetail(seen.raw)})` : ''}`,
    });
  }
  if (ended) {
    const state = vertexJobState(raw);
    events.push({
      id: `ended:${raw}`,
      at: ended,
      kind: 'state',
      level: state === 'failed' ? 'error' : state === 'cancelled' ? 'warn' : 'info',
      state,
      message: `tuning job ended ${raw}${stateDetail(raw) ? ` (${stateDetail(raw)})` : ''}`,
    });
  }
  if (job.error?.message) {
    events.push({
      id: 'error',
      at: ended ?? updated ?? created ?? new Date(0).toISOString(),
      kind: 'log',
      level: 'error',
      message: `error ${job.error.code ?? ''}: ${job.error.message}`.replace('error : ', 'error: '),
    });
  }
  // Stable order: by time, then in the order above for equal times.
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.index - b.index)
    .map(({ event }) => event);
}

/** Events after the one with id `since`; all of them when `since` is unknown. */
export function eventsSince(events: JobEvent[], since?: string): JobEvent[] {
  if (since === undefined) return events;
  const index = events.findIndex((e) => e.id === since);
  return index < 0 ? events : events.slice(index + 1);
}
