// The public API of polytune. Re-exports only; everything else is internal.

export type { CostEstimate, PriceEntry, PriceTable } from './cost/cost-estimate.js';
export type { DatasetCompiler } from './dataset/compiler.js';
export type { DatasetStats, TokenDistribution } from './dataset/dataset-stats.js';
export * from './dataset/example.js';
export * from './dataset/prepared-manifest.js';
export { type ErrorCode, exitCodeFor, isPolytuneError, PolytuneError } from './errors.js';
export * from './jobs/job-spec.js';
export * from './jobs/job-state.js';
export type * from './provider.js';
export { redact, redactValue, registerSecret } from './redact.js';
export {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryOptions,
  type RetryPolicy,
  withRetry,
} from './retry.js';
