import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import { estimateTrainingCost } from './sagemaker-cost.js';
import type { ResolvedSageMakerOptions } from './sagemaker-options.js';
import type { Planner } from './sagemaker-planner.js';
import { instancePrice } from './sagemaker-prices.js';
import { jobExtra } from './sagemaker-training-request.js';

/** What would fail before any upload: settings, method, data kind, and the hub plan's own issues. */
export function validateSpec(
  options: ResolvedSageMakerOptions,
  planner: Planner,
  prices: PriceTable,
  stats: DatasetStats,
  spec: JobSpec,
): Issue[] {
  const issues: Issue[] = [];
  const error = (code: string, message: string) => issues.push({ severity: 'error', code, message });
  if (spec.method !== 'sft')
    error('UNSUPPORTED_METHOD', `SageMaker JumpStart fine-tuning supports sft only, not ${spec.method}.`);
  if (stats.kind === 'preference')
    error('UNSUPPORTED_KIND', 'SageMaker JumpStart cannot train on preference pairs.');
  if (!options.region) error('NO_REGION', 'No AWS region: set AWS_REGION or providers.sagemaker.region.');
  if (!options.roleArn) error('NO_ROLE', 'No IAM role: set providers.sagemaker.roleArn.');
  if (!options.bucket) error('NO_BUCKET', 'No S3 bucket: set providers.sagemaker.bucket.');
  issues.push(...planner.issues(spec, stats));
  const plan = planner.planned(spec, stats.kind);
  if (plan && !instancePrice(prices, plan.instanceType)) {
    issues.push({
      severity: 'warning',
      code: 'NO_PRICE',
      message: `No hourly price for ${plan.instanceType}: cost unknown. Run \`polytune prices refresh\` or set prices.sagemaker["${plan.instanceType}"].`,
    });
  }
  return issues;
}

/** The estimate for the planned instance type; unknown (a throw, never $0) without one or without a price. */
export function priceSpec(
  options: ResolvedSageMakerOptions,
  planner: Planner,
  prices: PriceTable,
  spec: JobSpec,
  stats: DatasetStats,
): CostEstimate {
  const instanceType = planner.instanceTypeFor(spec);
  const model = planner.resolved(spec);
  if (!instanceType) {
    throw new PolytuneError(
      'UNSUPPORTED',
      `Cost unknown: ${spec.baseModel} is not resolved from the JumpStart hub yet, so its instance type is unknown.`,
      { hint: 'Run `polytune tune --dry-run` (it reads the hub), or set providers.sagemaker.instanceType.' },
    );
  }
  const defaultEpochs = Number(model?.document.Hyperparameters.find((h) => h.Name === 'epoch')?.Default ?? 1);
  return estimateTrainingCost({
    model: model ? `${model.id}@${model.version}` : spec.baseModel,
    tokensPerSecond: options.assumedTokensPerSecond,
    stats,
    epochs: spec.hyperparameters.epochs ?? defaultEpochs,
    instanceType,
    instanceCount: jobExtra(spec).instanceCount ?? options.instanceCount,
    overheadSeconds: options.assumedOverheadSeconds,
    prices,
  });
}
