import type OpenAI from 'openai';
import type { JobRef } from '../../src/provider.js';
import { call, requestInfo } from './openai-errors.js';
import { KEY_METADATA } from './openai-job-request.js';
import { iso, numbers } from './openai-status.js';

type FineTuningJob = OpenAI.FineTuning.FineTuningJob;

// Pages of jobs or events read while looking something up; bounded so a huge history cannot stall us.
const MAX_PAGES = 20;

export interface OpenAICheckpoint {
  id: string;
  model: string;
  step: number;
  createdAt: string;
  metrics: Record<string, number>;
}

/** The fine_tuning.jobs calls, each one SDK call with its error mapped (and its HTTP provenance). */
export function createJobCalls(client: () => OpenAI, label: string) {
  const at = (method: string, path: string) => requestInfo(client(), label, method, path);

  const refOf = (job: FineTuningJob, key?: string): JobRef => ({
    provider: 'openai',
    key: key ?? job.metadata?.[KEY_METADATA] ?? '',
    remoteId: job.id,
  });

  /** The job tagged with `key`, preferring a live or finished one over a failed/cancelled one, then the newest. */
  async function find(key: string, signal?: AbortSignal): Promise<JobRef | undefined> {
    const matches = await call(
      'look up the job by its key',
      async () => {
        const found: FineTuningJob[] = [];
        let page = await client().fineTuning.jobs.list(
          { metadata: { [KEY_METADATA]: key }, limit: 20 },
          { signal },
        );
        for (let n = 0; n < MAX_PAGES; n++) {
          // A compatible endpoint may ignore the filter: check the tag ourselves.
          found.push(...page.data.filter((job) => job.metadata?.[KEY_METADATA] === key));
          if (!page.hasNextPage()) break;
          page = await page.getNextPage();
        }
        return found;
      },
      at('GET', '/fine_tuning/jobs'),
    );
    const dead = (job: FineTuningJob) => Number(job.status === 'failed' || job.status === 'cancelled');
    const ranked = [...matches].sort((a, b) => dead(a) - dead(b) || b.created_at - a.created_at);
    return ranked[0] ? refOf(ranked[0], key) : undefined;
  }

  const retrieve = (ref: JobRef, signal?: AbortSignal) =>
    call(
      `read job ${ref.remoteId}`,
      () => client().fineTuning.jobs.retrieve(ref.remoteId, { signal }),
      at('GET', `/fine_tuning/jobs/${ref.remoteId}`),
    );

  const create = (body: OpenAI.FineTuning.JobCreateParams, signal?: AbortSignal) =>
    call(
      'create the fine-tuning job',
      () => client().fineTuning.jobs.create(body, { signal, maxRetries: 0 }),
      at('POST', '/fine_tuning/jobs'),
    );

  const action = (verb: 'cancel' | 'pause' | 'resume', ref: JobRef) =>
    call(
      `${verb} job ${ref.remoteId}`,
      () => client().fineTuning.jobs[verb](ref.remoteId),
      at('POST', `/fine_tuning/jobs/${ref.remoteId}/${verb}`),
    );

  const checkpoints = (ref: JobRef) =>
    call(
      `list checkpoints of ${ref.remoteId}`,
      async () => {
        const out: OpenAICheckpoint[] = [];
        for await (const c of client().fineTuning.jobs.checkpoints.list(ref.remoteId, { limit: 100 })) {
          out.push({
            id: c.id,
            model: c.fine_tuned_model_checkpoint,
            step: c.step_number,
            createdAt: iso(c.created_at) ?? '',
            metrics: numbers(c.metrics),
          });
        }
        return out.sort((a, b) => a.step - b.step);
      },
      at('GET', `/fine_tuning/jobs/${ref.remoteId}/checkpoints`),
    );

  /** Events newer than `since` (an event id), oldest first; the API lists newest first. */
  const eventsSince = (ref: JobRef, since?: string) =>
    call(
      `read events of ${ref.remoteId}`,
      async () => {
        const newestFirst: OpenAI.FineTuning.FineTuningJobEvent[] = [];
        let page = await client().fineTuning.jobs.listEvents(ref.remoteId, { limit: 100 });
        for (let n = 0; n < MAX_PAGES; n++) {
          for (const event of page.data) {
            if (event.id === since) return newestFirst.reverse();
            newestFirst.push(event);
          }
          if (!page.hasNextPage()) break;
          page = await page.getNextPage();
        }
        return newestFirst.reverse();
      },
      at('GET', `/fine_tuning/jobs/${ref.remoteId}/events`),
    );

  return { refOf, find, retrieve, create, action, checkpoints, eventsSince };
}

export type OpenAIJobCalls = ReturnType<typeof createJobCalls>;
