// The public API of polytune. Re-exports only; everything else is internal.
//
// Importing it loads no cloud SDK: build a provider with `createProvider(id, settings)`
// (the SDK loads then), or import its factory from its subpath: `polytune/openai`,
// `polytune/vertex`, `polytune/sagemaker`, `polytune/local-onnx`. `polytune/evals`
// holds the evaluation API alone.

// Evaluation: the same API as `polytune/evals`.
export * from '../evals/index.js';
export { compilers, compilersFor } from '../providers/compilers.js';
export { localOnnxCompiler } from '../providers/local-onnx/local-onnx-compile.js';
export {
  createOpenAICompiler,
  type OpenAICompileOptions,
  openaiCompiler,
} from '../providers/openai/openai-compile.js';
export {
  createProvider,
  type ProviderEntry,
  providerEntries,
  providerEntry,
  providerIds,
} from '../providers/registry.js';
export {
  SAGEMAKER_INSTRUCTION_TEMPLATE,
  sagemakerCompiler,
} from '../providers/sagemaker/sagemaker-compile.js';
export {
  createVertexCompiler,
  type VertexCompileOptions,
  vertexCompiler,
} from '../providers/vertex/vertex-compile.js';
// Sweeps (sweep/): hyperparameter search across providers under a hard budget.
export { type RunSweepOptions, runSweep } from '../sweep/run-sweep.js';
export { readSplit, type SplitReader } from '../sweep/split-cases.js';
export type { SweepEvent } from '../sweep/sweep-events.js';
export { loadSweep, parseSweep } from '../sweep/sweep-loader.js';
export {
  type PlannedTrial,
  type PlanSweepOptions,
  type ProviderFactory,
  planSweep,
  type SweepPlan,
  type TrialPlanStatus,
} from '../sweep/sweep-plan.js';
export type { SweepReport, TrialOutcome, TrialResult } from '../sweep/sweep-report.js';
export { type LoadedSweep, type Sweep, type SweepInput, SweepSchema } from '../sweep/sweep-schema.js';
export type { PolytuneConfig } from './config/config-schema.js';
export { type LoadedConfig, loadConfig, providerSettings } from './config/load-config.js';
export type { CostEstimate, PriceEntry, PriceTable } from './cost/cost-estimate.js';
export {
  actualTrainingCost,
  estimateTrainingCost,
  inferenceCost,
  mergePriceTable,
} from './cost/token-cost.js';
export {
  type CheckOptions,
  type CheckReport,
  checkDataset,
  type ProviderCheck,
} from './dataset/check-dataset.js';
export { type CleanOptions, CleanOptionsSchema, cleanText } from './dataset/clean-example.js';
export {
  type CompilerDefinition,
  type CompilerLimits,
  type DatasetCompiler,
  defineCompiler,
} from './dataset/compiler.js';
export { type DatasetIssue, formatIssue, type IssueSeverity } from './dataset/dataset-issue.js';
export type { DatasetStats, TokenDistribution } from './dataset/dataset-stats.js';
export { detectFormat } from './dataset/detect-format.js';
export * from './dataset/example.js';
export { loadRecords } from './dataset/load-records.js';
export {
  type PrepareOptions,
  PrepareOptionsSchema,
  type PrepareResult,
  prepareDataset,
} from './dataset/prepare.js';
export * from './dataset/prepared-manifest.js';
export { PRESET_NAMES, PRESETS, type PresetName, parseColumnMap } from './dataset/presets.js';
export type { InputFormat, RawRecord } from './dataset/raw-record.js';
export { readExamples, readPrepared } from './dataset/read-prepared.js';
export { DedupeOptionsSchema, LoadOptionsSchema, type ScanOptions } from './dataset/scan-options.js';
export { chatTokens, exampleTokens, TOKENIZER, textTokens } from './dataset/token-count.js';
export {
  type BillingEstimate,
  billingEstimate,
  defaultEpochs,
  tokenDistribution,
} from './dataset/token-stats.js';
export { type ErrorCode, exitCodeFor, isPolytuneError, PolytuneError } from './errors.js';
export { type DatasetHashes, datasetHashesFor, jobKey } from './jobs/job-key.js';
export { JobLedger, type JobLedgerOptions, type LedgerProblem } from './jobs/job-ledger.js';
export {
  currentState,
  type DeploymentRecord,
  type JobRecord,
  JobRecordSchema,
  type StateEntry,
  type UploadRecord,
} from './jobs/job-record.js';
export * from './jobs/job-spec.js';
export * from './jobs/job-state.js';
export { loadPreparedData } from './jobs/load-prepared.js';
export { resolveJob } from './jobs/resolve-job.js';
export { parseJobSpec, type SubmitJobOptions, type SubmitJobResult, submitJob } from './jobs/submit-job.js';
export { nextPollInterval, type WatchJobOptions, waitForJob, watchJob } from './jobs/wait-for-job.js';
export type * from './provider.js';
export { redact, redactValue, registerSecret } from './redact.js';
export {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryOptions,
  type RetryPolicy,
  withRetry,
} from './retry.js';
