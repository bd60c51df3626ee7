// The public API of polytune. Re-exports only; everything else is internal.

// Evaluation (evals/): suites, the runner, statistics, reports and the gate.
export type { BaselineComparison, MetricSummary, ModelSummary, RunSummary } from '../evals/aggregate.js';
export type { CaseResult, CaseStatus } from '../evals/case-result.js';
export { type CaseStream, openCaseStream } from '../evals/case-sources.js';
export type { BatchEvent, EvalEvent, RunStatus } from '../evals/eval-events.js';
export {
  evaluateGate,
  type GateLine,
  type GateOptions,
  type GateResult,
  parseThreshold,
} from '../evals/gate.js';
export { gradeCase, runGrader } from '../evals/graders/grade.js';
export { type ParetoPoint, paretoFront } from '../evals/pareto.js';
export { RESULTS_VERSION, readResults, readResultsSummary } from '../evals/report/results-json.js';
export { type EvalRunResult, type RunEvalOptions, runEval } from '../evals/runner.js';
export { mcnemar, pairedDelta, wilson } from '../evals/stats.js';
export * from '../evals/suite.js';
export { loadSuite, parseSuite } from '../evals/suite-loader.js';
export { compilers, compilersFor } from '../providers/compilers.js';
export { localOnnxCompiler } from '../providers/local-onnx/local-onnx-compile.js';
export {
  createLocalOnnxProvider,
  type LocalOnnxProvider,
  type LocalOnnxSettings,
} from '../providers/local-onnx/local-onnx-provider.js';
export {
  createOpenAICompiler,
  type OpenAICompileOptions,
  openaiCompiler,
} from '../providers/openai/openai-compile.js';
export type { OpenAIProviderSettings } from '../providers/openai/openai-options.js';
export { OPENAI_PRICES } from '../providers/openai/openai-prices.js';
export {
  createOpenAIProvider,
  type OpenAICheckpoint,
  type OpenAIProvider,
  type OpenAIProviderDeps,
} from '../providers/openai/openai-provider.js';
export { type ProviderEntry, providerEntries, providerEntry, providerIds } from '../providers/registry.js';
export {
  SAGEMAKER_INSTRUCTION_TEMPLATE,
  sagemakerCompiler,
} from '../providers/sagemaker/sagemaker-compile.js';
export type {
  DeployOptions as SageMakerDeployOptions,
  SageMakerDeployment,
} from '../providers/sagemaker/sagemaker-deploy.js';
export type { SageMakerProviderOptions } from '../providers/sagemaker/sagemaker-options.js';
export {
  createSageMakerProvider,
  type SageMakerProvider,
} from '../providers/sagemaker/sagemaker-provider.js';
export {
  createVertexCompiler,
  type VertexCompileOptions,
  vertexCompiler,
} from '../providers/vertex/vertex-compile.js';
export {
  createVertexProvider,
  type VertexOptions,
} from '../providers/vertex/vertex-provider.js';
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
