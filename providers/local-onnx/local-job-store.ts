import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { JobState } from '../../src/jobs/job-state.js';
import type { JobEvent } from '../../src/provider.js';

/**
 * A local job is a folder named by its job key:
 *   job.json        what to train (spec, prepared folder, resolved config)
 *   status.json     raw state, worker pid, metrics, error
 *   events.jsonl    one JobEvent a line (ids are line numbers, so stable)
 *   cancel          present once a cancel was asked for
 *   work/           per-epoch checkpoints;  model/  the exported model
 */
export type LocalRawState =
  | 'queued'
  | 'running'
  | 'cancelling'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'interrupted';

export const LOCAL_STATE_TABLE: Readonly<Record<string, JobState>> = {
  queued: 'queued',
  running: 'running',
  cancelling: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  // The worker died (killed, machine restarted): re-submitting the key resumes from the last checkpoint.
  interrupted: 'failed',
};

export interface LocalJobFile {
  key: string;
  spec: JobSpec;
  dataDir: string;
  createdAt: string;
  /** The base model folder, resolved. */
  baseDir: string;
  config: Record<string, unknown>;
}

export interface LocalStatus {
  rawState: LocalRawState;
  pid?: number;
  detail?: string;
  device?: string;
  metrics?: Record<string, number>;
  error?: { code?: string; message: string };
  updatedAt: string;
  finishedAt?: string;
}

export const jobPaths = (dir: string) => ({
  job: join(dir, 'job.json'),
  status: join(dir, 'status.json'),
  events: join(dir, 'events.jsonl'),
  cancel: join(dir, 'cancel'),
  work: join(dir, 'work'),
  model: join(dir, 'model'),
});

export async function readJob(dir: string): Promise<LocalJobFile | undefined> {
  const file = jobPaths(dir).job;
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as LocalJobFile) : undefined;
}

export async function readStatus(dir: string): Promise<LocalStatus | undefined> {
  const file = jobPaths(dir).status;
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as LocalStatus) : undefined;
}

export async function writeStatus(dir: string, status: Omit<LocalStatus, 'updatedAt'>): Promise<void> {
  await writeJsonAtomic(jobPaths(dir).status, { ...status, updatedAt: new Date().toISOString() });
}

export async function readEvents(dir: string): Promise<JobEvent[]> {
  const file = jobPaths(dir).events;
  if (!existsSync(file)) return [];
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());
  const events: JobEvent[] = [];
  // A torn last line (killed mid-write) is skipped, not fatal.
  for (const line of lines) {
    try {
      events.push(JSON.parse(line) as JobEvent);
    } catch {}
  }
  return events;
}

/** Appends an event; its id is its position, so ids are stable across readers. */
export async function appendEvent(dir: string, event: Omit<JobEvent, 'id' | 'at'>): Promise<JobEvent> {
  const count = (await readEvents(dir)).length;
  const full: JobEvent = { id: String(count + 1).padStart(6, '0'), at: new Date().toISOString(), ...event };
  await appendFile(jobPaths(dir).events, `${JSON.stringify(full)}\n`);
  return full;
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
