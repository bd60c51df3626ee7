import { join } from 'node:path';
import type OpenAI from 'openai';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { JobEvent, JobRef, SubmitContext } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { type FileUploadDeps, uploadTrainingFile } from './openai-files.js';
import { buildCreateJobBody } from './openai-job-request.js';
import type { OpenAIJobCalls } from './openai-jobs.js';

export interface SubmitDeps {
  client(): OpenAI;
  jobs: OpenAIJobCalls;
  retry(signal?: AbortSignal): RetryOptions;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  pollIntervalMs: number;
  processingTimeoutMs: number;
}

/** Uploads the compiled files (each looked up by its hash first, so a retry never uploads twice). */
async function uploadFiles(
  deps: SubmitDeps,
  data: PreparedData,
  ctx: SubmitContext,
  emit: (level: JobEvent['level'], message: string) => void,
): Promise<Record<string, string>> {
  const compiled = data.manifest.compiled.openai;
  if (!compiled) {
    throw new PolytuneError('INVALID_INPUT', `The prepared folder has no OpenAI files (${data.dir}).`, {
      hint: 'Run `polytune data prepare … --provider openai` to compile the dataset for OpenAI.',
    });
  }
  const fileDeps: FileUploadDeps = {
    client: deps.client(),
    sleep: deps.sleep,
    now: deps.now,
    pollIntervalMs: deps.pollIntervalMs,
    processingTimeoutMs: deps.processingTimeoutMs,
    signal: ctx.signal,
  };
  const targets = [
    { role: 'train', ...compiled.train },
    ...(compiled.validation ? [{ role: 'validation', ...compiled.validation }] : []),
  ];
  const fileIds: Record<string, string> = {};
  for (const target of targets) {
    const upload = { role: target.role, path: join(data.dir, target.file), sha256: target.sha256 };
    const { id, reused } = await withRetry(
      () => uploadTrainingFile(fileDeps, upload),
      deps.retry(ctx.signal),
    );
    fileIds[target.role] = id;
    emit('info', `${reused ? 'Reusing' : 'Uploaded'} ${target.role} file ${id} (${target.count} examples).`);
    await ctx.onUpload?.({ name: target.role, sha256: target.sha256, remoteId: id });
  }
  return fileIds;
}

/**
 * Upload, then create once per attempt without SDK retries: before each
 * attempt the job key is looked up by its metadata tag, so a create that
 * reached the server but whose answer was lost is adopted, never repeated.
 */
export async function submitOpenAIJob(
  deps: SubmitDeps,
  spec: JobSpec,
  data: PreparedData,
  ctx: SubmitContext,
): Promise<JobRef> {
  let seq = 0;
  const emit = (level: JobEvent['level'], message: string) =>
    ctx.onEvent?.({
      id: `openai-submit:${ctx.key}:${++seq}`,
      at: new Date(deps.now()).toISOString(),
      kind: 'log',
      level,
      message,
    });
  const fileIds = await uploadFiles(deps, data, ctx, emit);
  const body = buildCreateJobBody(spec, ctx.key, {
    training: fileIds.train as string,
    validation: fileIds.validation,
  });
  return withRetry(
    async () => {
      const existing = await deps.jobs.find(ctx.key, ctx.signal);
      if (existing) {
        emit('info', `Job ${existing.remoteId} already carries key ${ctx.key}; re-attached.`);
        return existing;
      }
      const job = await deps.jobs.create(body, ctx.signal);
      emit('info', `Created fine-tuning job ${job.id} on ${spec.baseModel}.`);
      return deps.jobs.refOf(job, ctx.key);
    },
    {
      ...deps.retry(ctx.signal),
      onRetry: ({ attempt, delayMs, error }) =>
        emit(
          'warn',
          `Create attempt ${attempt} failed (${(error as Error).message}); checking for the job and retrying in ${Math.round(delayMs)} ms.`,
        ),
    },
  );
}
