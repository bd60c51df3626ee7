import type { protos } from '@google-cloud/aiplatform';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue, JobRef, JobSnapshot } from '../../src/provider.js';
import { rawStateOf, stateDetail, vertexJobState } from './vertex-job-state.js';
import { KEY_LABEL, keyLabelValue } from './vertex-labels.js';

export type TuningJob = protos.google.cloud.aiplatform.v1.ITuningJob;
type Timestamp = protos.google.protobuf.ITimestamp | null | undefined;

/** LoRA rank → Vertex `adapterSize`. */
export const ADAPTER_SIZES: Readonly<Record<number, string>> = {
  1: 'ADAPTER_SIZE_ONE',
  2: 'ADAPTER_SIZE_TWO',
  4: 'ADAPTER_SIZE_FOUR',
  8: 'ADAPTER_SIZE_EIGHT',
  16: 'ADAPTER_SIZE_SIXTEEN',
  32: 'ADAPTER_SIZE_THIRTY_TWO',
};

/** Hyperparameters of the shared vocabulary that Gemini tuning cannot take. */
const UNSUPPORTED: readonly string[] = ['learningRate', 'batchSize', 'loraAlpha', 'seed'];

/** Plan warnings for hyperparameters Vertex ignores (adapter sizes are checked per model, in validate). */
export function hyperparameterIssues(spec: JobSpec): Issue[] {
  const hp = spec.hyperparameters ?? {};
  const ignored = [...UNSUPPORTED, ...(spec.method === 'dpo' ? [] : ['beta'])];
  return ignored
    .filter((name) => hp[name as keyof typeof hp] !== undefined)
    .map((name) => ({
      severity: 'warning' as const,
      code: 'VERTEX_HYPERPARAMETER_IGNORED',
      message: `Gemini ${spec.method === 'dpo' ? 'preference' : 'supervised'} tuning has no \`${name}\`; it is ignored${name === 'learningRate' ? ' (use learningRateMultiplier)' : ''}.`,
    }));
}

export interface TuningJobInput {
  spec: JobSpec;
  key: string;
  trainingDatasetUri: string;
  validationDatasetUri?: string;
}

type AdapterSize = protos.google.cloud.aiplatform.v1.SupervisedHyperParameters.AdapterSize;

/** Hyperparameters both specs share: epochCount, learningRateMultiplier, adapterSize (+ beta for dpo). */
function hyperParametersOf(spec: JobSpec): Record<string, unknown> {
  const hp = spec.hyperparameters ?? {};
  const out: Record<string, unknown> = {};
  if (hp.epochs !== undefined) out.epochCount = hp.epochs;
  if (hp.learningRateMultiplier !== undefined) out.learningRateMultiplier = hp.learningRateMultiplier;
  const adapter = hp.loraRank === undefined ? undefined : ADAPTER_SIZES[hp.loraRank];
  if (adapter) out.adapterSize = adapter as unknown as AdapterSize;
  if (spec.method === 'dpo' && hp.beta !== undefined) out.beta = hp.beta;
  return out;
}

/**
 * The CreateTuningJob body: only fields the discovery document's TuningJob
 * names. Method "dpo" fills `preferenceOptimizationSpec`, else `supervisedTuningSpec`.
 */
export function buildTuningJob({
  spec,
  key,
  trainingDatasetUri,
  validationDatasetUri,
}: TuningJobInput): TuningJob & { preferenceOptimizationSpec?: Record<string, unknown> } {
  const hyperParameters = hyperParametersOf(spec);
  const extra = spec.extra ?? {};
  const tuningSpec = {
    trainingDatasetUri,
    ...(validationDatasetUri ? { validationDatasetUri } : {}),
    ...(Object.keys(hyperParameters).length > 0 ? { hyperParameters } : {}),
    ...(typeof extra.exportLastCheckpointOnly === 'boolean'
      ? { exportLastCheckpointOnly: extra.exportLastCheckpointOnly }
      : {}),
  };
  const userLabels =
    extra.labels && typeof extra.labels === 'object' ? (extra.labels as Record<string, string>) : {};
  const job: TuningJob & { preferenceOptimizationSpec?: Record<string, unknown> } = {
    baseModel: spec.baseModel,
    ...(spec.method === 'dpo'
      ? { preferenceOptimizationSpec: tuningSpec }
      : { supervisedTuningSpec: tuningSpec }),
    tunedModelDisplayName: (spec.suffix ?? `polytune-${keyLabelValue(key).slice(0, 12)}`).slice(0, 128),
    labels: { ...userLabels, [KEY_LABEL]: keyLabelValue(key), 'created-by': 'polytune' },
  };
  if (typeof extra.serviceAccount === 'string') job.serviceAccount = extra.serviceAccount;
  if (typeof extra.description === 'string') job.description = extra.description;
  return job;
}

/** A protobuf Timestamp (int64 seconds as a string over REST) as ISO 8601. */
export function isoTime(ts: Timestamp): string | undefined {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return undefined;
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}

/** int64 fields arrive as strings; absent and zero both mean "not reported". */
export function int64(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Numbers from `tuningDataStats.supervisedTuningDataStats`, named for polytune's metrics. */
export function dataStatsMetrics(job: TuningJob): Record<string, number> | undefined {
  const stats = job.tuningDataStats?.supervisedTuningDataStats;
  if (!stats) return undefined;
  const metrics: Record<string, number> = {};
  const put = (name: string, value: unknown) => {
    const n = int64(value);
    if (n !== undefined) metrics[name] = n;
  };
  put('exampleCount', stats.tuningDatasetExampleCount);
  put('billableTokens', stats.totalBillableTokenCount);
  put('tuningSteps', stats.tuningStepCount);
  put('truncatedExamples', stats.totalTruncatedExampleCount);
  return Object.keys(metrics).length > 0 ? metrics : undefined;
}

/** Epochs the job runs: what the request or Vertex set, when the job reports it. */
export function epochsOf(job: TuningJob): number | undefined {
  const n = int64(job.supervisedTuningSpec?.hyperParameters?.epochCount);
  return n && n > 0 ? n : undefined;
}

/** The key a job carries, if any. */
export function labelKeyOf(job: TuningJob): string | undefined {
  return job.labels?.[KEY_LABEL] ?? undefined;
}

export function snapshotOf(ref: JobRef, job: TuningJob): JobSnapshot {
  const rawState = rawStateOf(job.state);
  const state = vertexJobState(rawState);
  const snapshot: JobSnapshot = { ref, state, rawState };
  const detail = stateDetail(rawState) ?? (job.error?.message || undefined);
  if (detail) snapshot.detail = detail;
  const createdAt = isoTime(job.createTime);
  if (createdAt) snapshot.createdAt = createdAt;
  const finishedAt = isoTime(job.endTime);
  if (finishedAt) snapshot.finishedAt = finishedAt;
  const modelId = job.tunedModel?.endpoint || job.tunedModel?.model;
  if (modelId) snapshot.modelId = modelId;
  const metrics = dataStatsMetrics(job);
  if (metrics) snapshot.metrics = metrics;
  if (job.error && (job.error.message || job.error.code)) {
    snapshot.error = {
      code: job.error.code ? String(job.error.code) : undefined,
      message: job.error.message || rawState,
    };
  } else if (state === 'failed') {
    snapshot.error = { message: stateDetail(rawState) ?? `tuning job ended ${rawState}` };
  }
  return snapshot;
}
