import { z } from 'zod';
import type { DatasetStats } from '../dataset/dataset-stats.js';
import type { PreparedData } from '../dataset/prepared-manifest.js';
import { PolytuneError } from '../errors.js';
import type { Issue, JobEvent, JobRef, Provider } from '../provider.js';
import { datasetHashesFor, jobKey } from './job-key.js';
import type { JobLedger } from './job-ledger.js';
import type { JobRecord } from './job-record.js';
import { type JobSpec, JobSpecSchema } from './job-spec.js';

export interface SubmitJobOptions {
  ledger: JobLedger;
  signal?: AbortSignal;
  /** Progress: validation warnings, uploads, re-attach, create. */
  onEvent?(event: JobEvent): void;
}

export interface SubmitJobResult {
  ref: JobRef;
  record: JobRecord;
  /** True when an existing job was found (in the ledger or by its key tag) and nothing was created. */
  reattached: boolean;
  /** Validation warnings (errors stop the submit). */
  issues: Issue[];
}

/** Parses a spec, turning zod errors into one INVALID_INPUT error. */
export function parseJobSpec(spec: unknown): JobSpec {
  const parsed = JobSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  throw new PolytuneError('INVALID_INPUT', `Invalid job spec:\n${z.prettifyError(parsed.error)}`, {
    hint: 'Check the provider, base model, method and hyperparameters.',
  });
}

/** Validation issues as one error, or undefined when there is no error-level issue. */
export function issuesError(providerId: string, issues: Issue[]): PolytuneError | undefined {
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return undefined;
  const first = errors[0] as Issue;
  return new PolytuneError(
    'INVALID_INPUT',
    `${providerId} cannot train on this dataset: ${errors.map((i) => `${i.code}: ${i.message}`).join('; ')}`,
    {
      hint: 'Fix the dataset or the job options and prepare again; `--dry-run` lists every issue.',
      file: first.file,
      line: first.line,
    },
  );
}

/**
 * Submits a job idempotently. The intent is recorded in the ledger before any
 * remote call; an existing record with a remote id, or a remote job carrying
 * the key tag, is re-attached instead of creating another. The provider's own
 * submit also looks the key up before each create attempt.
 */
export async function submitJob(
  provider: Provider,
  specInput: JobSpec,
  data: PreparedData,
  options: SubmitJobOptions,
): Promise<SubmitJobResult> {
  const { ledger, signal } = options;
  const spec = parseJobSpec(specInput);
  if (spec.provider !== provider.id) {
    throw new PolytuneError(
      'USAGE',
      `The spec names provider ${spec.provider} but was given ${provider.id}.`,
    );
  }
  const datasetHashes = datasetHashesFor(data, provider.id);
  const key = jobKey(spec, datasetHashes);
  let seq = 0;
  const emit = (level: JobEvent['level'], message: string) =>
    options.onEvent?.({ id: `submit:${key}:${++seq}`, at: ledger.now(), kind: 'log', level, message });

  const existing = await ledger.read(key);
  if (existing?.remoteId) {
    emit(
      'info',
      `Re-attached to ${provider.id} job ${existing.remoteId} (key ${key}); nothing new was created.`,
    );
    return { ref: refOf(existing, existing.remoteId), record: existing, reattached: true, issues: [] };
  }

  const stats = data.manifest.stats as unknown as DatasetStats;
  await provider.prepare?.(spec, data);
  const issues = provider.validate(stats, spec);
  const invalid = issuesError(provider.id, issues);
  if (invalid) throw invalid;
  for (const issue of issues) emit('warn', `${issue.code}: ${issue.message}`);

  let record: JobRecord =
    existing ??
    (await ledger.write({
      version: 1,
      key,
      provider: provider.id,
      spec,
      dataDir: data.dir,
      datasetHashes,
      uploads: [],
      history: [{ state: 'preparing', rawState: 'intent', at: ledger.now() }],
      costEstimate: safePrice(provider, spec, stats),
      createdAt: ledger.now(),
      updatedAt: ledger.now(),
    }));

  signal?.throwIfAborted();
  const found = await provider.find(key);
  let ref: JobRef;
  let reattached = false;
  if (found) {
    ref = found;
    reattached = true;
    emit('info', `Found ${provider.id} job ${found.remoteId} tagged with key ${key}; re-attached.`);
  } else {
    ref = await provider.submit(spec, data, {
      key,
      signal,
      onEvent: options.onEvent,
      onUpload: async (upload) => {
        record = await ledger.update(key, (r) => {
          r.uploads = [...r.uploads.filter((u) => u.name !== upload.name), upload];
          return r;
        });
      },
    });
  }
  record = await ledger.update(key, (r) => ({ ...r, remoteId: ref.remoteId }));
  // One snapshot so the ledger shows the real first state; a failure here is not a failed submit.
  try {
    record = await ledger.recordSnapshot(key, await provider.get(ref));
  } catch {
    // The job exists; `jobs show` / `wait` will fetch its state later.
  }
  return { ref, record, reattached, issues };
}

function refOf(record: JobRecord, remoteId: string): JobRef {
  return { provider: record.provider, key: record.key, remoteId };
}

function safePrice(provider: Provider, spec: JobSpec, stats: DatasetStats) {
  try {
    return provider.price(spec, stats);
  } catch {
    return undefined; // no price known: the plan says so, the submit goes on
  }
}
