// The public API of polytune. Re-exports only; everything else is internal.

export type { OpenAIProviderSettings } from '../providers/openai/openai-options.js';
export { OPENAI_PRICES } from '../providers/openai/openai-prices.js';
export {
  createOpenAIProvider,
  type OpenAICheckpoint,
  type OpenAIProvider,
  type OpenAIProviderDeps,
} from '../providers/openai/openai-provider.js';
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
  createVertexProvider,
  type VertexOptions,
} from '../providers/vertex/vertex-provider.js';
export type { CostEstimate, PriceEntry, PriceTable } from './cost/cost-estimate.js';
export {
  actualTrainingCost,
  estimateTrainingCost,
  inferenceCost,
  mergePriceTable,
} from './cost/token-cost.js';
export type { DatasetCompiler } from './dataset/compiler.js';
export type { DatasetStats, TokenDistribution } from './dataset/dataset-stats.js';
export * from './dataset/example.js';
export * from './dataset/prepared-manifest.js';
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
