import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { type JobState, mapRawState } from '../../src/jobs/job-state.js';
import type { JobEvent, JobRef, JobSnapshot, Model, Provider } from '../../src/provider.js';
import type { ConformanceBackend, ScriptedState } from '../conformance/provider-conformance.js';

/**
 * A provider whose "remote service" is a Map, for jobs-core tests and to prove
 * the conformance suite itself. Raw statuses are deliberately unlike the
 * normalised ones (`Q`, `R`, `OK`, `ERR`, `X`) so the mapping is exercised.
 */
const RAW: Record<ScriptedState, string> = {
  queued: 'Q',
  validating: 'V',
  running: 'R',
  succeeded: 'OK',
  failed: 'ERR',
  cancelled: 'X',
};
const TABLE: Record<string, JobState> = {
  Q: 'queued',
  V: 'validating',
  R: 'running',
  OK: 'succeeded',
  ERR: 'failed',
  X: 'cancelled',
  CANCELLING: 'running',
};

interface RemoteJob {
  id: string;
  key: string;
  raw: string;
  events: JobEvent[];
  cancelRequested: boolean;
  at: number;
}

export class InMemoryBackend implements ConformanceBackend {
  jobs = new Map<string, RemoteJob>();
  creates = 0;
  gets = 0;
  generationText = 'four';
  private crashArmed = false;
  private clock = Date.UTC(2026, 0, 1);
  /** Raw statuses `get` walks through, one per call, after the scripted state (for wait tests). */
  script: string[] = [];

  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }
  setState(remoteId: string, state: ScriptedState | { raw: string }): void {
    const job = this.jobs.get(remoteId);
    if (!job) throw new Error(`no job ${remoteId}`);
    job.raw = typeof state === 'string' ? RAW[state] : state.raw;
    job.events.push({
      id: `${remoteId}-ev${job.events.length + 1}`,
      at: this.tick(),
      kind: 'state',
      level: 'info',
      message: `status ${job.raw}`,
    });
  }
  crashAfterCreate(): void {
    this.crashArmed = true;
  }
  jobCount(): number {
    return this.jobs.size;
  }
  cancelRequested(remoteId: string): boolean {
    return this.jobs.get(remoteId)?.cancelRequested ?? false;
  }
  create(key: string): RemoteJob {
    this.creates += 1;
    const id = `mem-${this.jobs.size + 1}`;
    const job: RemoteJob = { id, key, raw: 'Q', events: [], cancelRequested: false, at: this.clock };
    job.events.push({ id: `${id}-ev0`, at: this.tick(), kind: 'log', level: 'info', message: 'created' });
    this.jobs.set(id, job);
    if (this.crashArmed) {
      this.crashArmed = false;
      throw new Error('socket hang up (after the job was created)');
    }
    return job;
  }
}

export function createInMemoryProvider(
  backend = new InMemoryBackend(),
): Provider & { backend: InMemoryBackend } {
  const snapshot = (ref: JobRef, job: RemoteJob): JobSnapshot => {
    const state = mapRawState(TABLE, job.raw);
    return {
      ref,
      state,
      rawState: job.raw,
      ...(state === 'succeeded' ? { modelId: `mem-model-${job.id}`, trainedTokens: 1000 } : {}),
      ...(state === 'failed' ? { error: { code: 'bad_data', message: 'the data was bad' } } : {}),
    };
  };
  const need = (ref: JobRef) => {
    const job = backend.jobs.get(ref.remoteId);
    if (!job) throw new PolytuneError('NOT_FOUND', `no job ${ref.remoteId}`);
    return job;
  };
  const provider: Provider & { backend: InMemoryBackend } = {
    id: 'memory',
    backend,
    capabilities: { methods: ['sft', 'dpo'], minExamples: 10 },
    validate(stats: DatasetStats, spec: JobSpec) {
      const issues = [];
      if (stats.examples.train < 10)
        issues.push({
          severity: 'error' as const,
          code: 'TOO_FEW_EXAMPLES',
          message: `needs 10, has ${stats.examples.train}`,
        });
      if (spec.hyperparameters.loraRank !== undefined)
        issues.push({
          severity: 'warning' as const,
          code: 'IGNORED_HYPERPARAMETER',
          message: 'loraRank is ignored',
        });
      return issues;
    },
    async find(key) {
      const job = [...backend.jobs.values()].find((j) => j.key === key);
      return job ? { provider: 'memory', key, remoteId: job.id } : undefined;
    },
    async submit(_spec, _data, ctx) {
      const existing = await provider.find(ctx.key);
      if (existing) return existing;
      await ctx.onUpload?.({ name: 'train', sha256: 'abc', remoteId: 'file-1' });
      const job = backend.create(ctx.key);
      return { provider: 'memory', key: ctx.key, remoteId: job.id };
    },
    async get(ref) {
      backend.gets += 1;
      const job = need(ref);
      const next = backend.script.shift();
      if (next !== undefined && next !== job.raw) backend.setState(ref.remoteId, { raw: next });
      return snapshot(ref, job);
    },
    async cancel(ref) {
      const job = need(ref);
      job.cancelRequested = true;
      job.raw = 'CANCELLING';
    },
    async *events(ref, since) {
      const job = need(ref);
      const start = since ? job.events.findIndex((e) => e.id === since) + 1 : 0;
      yield* job.events.slice(start);
    },
    async model(target): Promise<Model> {
      let id = typeof target === 'string' ? target : undefined;
      if (typeof target !== 'string') {
        const snap = snapshot(target, need(target));
        if (snap.state !== 'succeeded') throw new PolytuneError('USAGE', `job is ${snap.state}`);
        id = snap.modelId;
      }
      return {
        id: `memory:${id}`,
        provider: 'memory',
        async generate() {
          return { text: backend.generationText, latencyMs: 0, usage: { inputTokens: 1, outputTokens: 1 } };
        },
      };
    },
    price(spec, stats) {
      const epochs = spec.hyperparameters.epochs ?? 3;
      return {
        currency: 'USD',
        amount: (stats.tokens.train.total * epochs) / 1e6,
        estimate: true,
        basis: 'test',
        source: 'test',
        date: '2026-01-01',
      };
    },
  };
  return provider;
}
