import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import { roundUsd as round } from '../../src/cost/money.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import { instancePrice } from './sagemaker-prices.js';

export interface EstimateInput {
  /** `<id>@<version>`, for the basis. */
  model: string;
  /** Training tokens per second per instance: an assumption (settings), not a measurement. */
  tokensPerSecond: number;
  stats: DatasetStats;
  epochs: number;
  instanceType: string;
  instanceCount: number;
  overheadSeconds: number;
  prices: PriceTable;
}

/**
 * Before submit: SageMaker bills instance time, not tokens, so the estimate is
 * (training tokens × epochs + validation tokens × epochs) ÷ an assumed
 * throughput, plus a fixed start-up overhead, × the hourly price × instances.
 * The throughput is an assumption, not a measurement; the note says so. With no
 * price for the instance the cost is unknown: this throws, it never says $0.
 */
export function estimateTrainingCost(input: EstimateInput): CostEstimate {
  const { model, stats, epochs, instanceType, instanceCount, overheadSeconds } = input;
  const tokensPerEpoch = stats.tokens.train.total + (stats.tokens.validation?.total ?? 0);
  const tokens = tokensPerEpoch * epochs;
  const tps = input.tokensPerSecond;
  const seconds = tokens / tps + overheadSeconds;
  const price = instancePrice(input.prices, instanceType);
  const hours = seconds / 3600;
  const approx = stats.tokens.approximate ? ` (token counts approximate: ${stats.tokens.tokenizer})` : '';
  if (!price?.perHour) {
    throw new PolytuneError(
      'UNSUPPORTED',
      `Cost unknown: no hourly price for ${instanceType} (≈${hours.toFixed(2)} instance-hours of ${model}).`,
      {
        hint: `Run \`polytune prices refresh\` (AWS Price List API), or set prices.sagemaker["${instanceType}"].perHour in polytune.config.`,
      },
    );
  }
  const amount = hours * price.perHour * instanceCount;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: true,
    basis:
      `estimate: ${tokens.toLocaleString('en-US')} tokens (${tokensPerEpoch.toLocaleString('en-US')} × ${epochs} epochs)${approx} ÷ ` +
      `${tps} tokens/s (assumed for ${model} on ${instanceType}) + ${overheadSeconds} s start-up ` +
      `= ${hours.toFixed(2)} h × ${instanceCount} × $${price.perHour}/h`,
    source: price.source,
    date: price.date,
    note: [
      `throughput ${tps} tokens/s is an assumption (providers.sagemaker.assumedTokensPerSecond)`,
      price.note,
    ]
      .filter(Boolean)
      .join('; '),
    breakdown: { instanceHours: round(hours * instanceCount), training: round(amount) },
  };
}

interface BilledJob {
  BillableTimeInSeconds?: number;
  ResourceConfig?: { InstanceType?: string; InstanceCount?: number };
}

/** After (or during) a job: BillableTimeInSeconds × instances × the hourly price. */
export function actualCost(job: BilledJob, prices: PriceTable): CostEstimate | undefined {
  const seconds = job.BillableTimeInSeconds;
  const instanceType = job.ResourceConfig?.InstanceType;
  if (seconds === undefined || !instanceType) return undefined;
  const price = instancePrice(prices, instanceType);
  if (!price?.perHour) return undefined;
  const count = job.ResourceConfig?.InstanceCount ?? 1;
  const amount = (seconds / 3600) * price.perHour * count;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: false,
    basis: `BillableTimeInSeconds ${seconds} s × ${count} × ${instanceType} at $${price.perHour}/h`,
    source: price.source,
    date: price.date,
    breakdown: { instanceHours: round((seconds / 3600) * count), training: round(amount) },
  };
}
