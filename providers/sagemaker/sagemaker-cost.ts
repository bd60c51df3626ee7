import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { ResolvedModel } from './sagemaker-catalogue.js';
import { instancePrice } from './sagemaker-prices.js';

function round(amount: number): number {
  return Math.round(amount * 100) / 100;
}

export interface EstimateInput {
  model: ResolvedModel;
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
 * throughput for the model on that instance, plus a fixed start-up overhead,
 * × the hourly price × instances. The throughput is an assumption from the
 * catalogue, not a measurement; the basis says so.
 */
export function estimateTrainingCost(input: EstimateInput): CostEstimate {
  const { model, stats, epochs, instanceType, instanceCount, overheadSeconds } = input;
  const tokensPerEpoch = stats.tokens.train.total + (stats.tokens.validation?.total ?? 0);
  const tokens = tokensPerEpoch * epochs;
  const tps = model.assumedTokensPerSecond[instanceType] ?? model.assumedTokensPerSecond.default ?? 1000;
  const seconds = tokens / tps + overheadSeconds;
  const price = instancePrice(input.prices, instanceType);
  const hours = seconds / 3600;
  const approx = stats.tokens.approximate ? ` (token counts approximate: ${stats.tokens.tokenizer})` : '';
  if (!price?.perHour) {
    return {
      currency: 'USD',
      amount: 0,
      estimate: true,
      basis: `no hourly price for ${instanceType} in the table: amount unknown (≈${hours.toFixed(2)} instance-hours); add prices.sagemaker["${instanceType}"].perHour to polytune.config`,
      source: 'none',
      date: 'n/a',
    };
  }
  const amount = hours * price.perHour * instanceCount;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: true,
    basis:
      `estimate: ${tokens.toLocaleString('en-US')} tokens (${tokensPerEpoch.toLocaleString('en-US')} × ${epochs} epochs)${approx} ÷ ` +
      `${tps} tokens/s (assumed for ${model.id} on ${instanceType}) + ${overheadSeconds} s start-up ` +
      `= ${hours.toFixed(2)} h × ${instanceCount} × $${price.perHour}/h`,
    source: price.source,
    date: price.date,
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
