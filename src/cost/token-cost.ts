import type { CostEstimate, PriceEntry, PriceTable } from './cost-estimate.js';
import { lookupPrice } from './cost-estimate.js';

/**
 * Cost arithmetic for token-billed training, shared by the providers. Each
 * provider keeps its own dated, sourced price table as data beside it.
 */

/** Default table with the user's overrides on top; an override may change only some fields of an entry. */
export function mergePriceTable(
  defaults: PriceTable,
  overrides: Record<string, Partial<PriceEntry>> = {},
): PriceTable {
  const merged: PriceTable = { ...defaults };
  for (const [model, entry] of Object.entries(overrides)) {
    const base = lookupPrice(defaults, model);
    merged[model] = {
      ...(base ?? {}),
      ...entry,
      source: entry.source ?? 'user override',
      date: entry.date ?? base?.date ?? 'unknown',
    } as PriceEntry;
  }
  return merged;
}

function usd(amount: number): string {
  return `$${amount < 0.01 && amount > 0 ? amount.toPrecision(2) : amount.toFixed(2)}`;
}

function millions(tokens: number): string {
  return tokens >= 1_000_000 ? `${(tokens / 1_000_000).toFixed(2)}M` : `${tokens.toLocaleString('en-US')}`;
}

/** Estimate before submit: training tokens per epoch × epochs × the per-1M price. */
export function estimateTrainingCost(
  entry: PriceEntry,
  tokensPerEpoch: number,
  epochs: number,
): CostEstimate {
  if (entry.trainingPer1M === undefined) {
    throw new Error('price entry has no training price');
  }
  const tokens = tokensPerEpoch * epochs;
  const amount = (tokens / 1_000_000) * entry.trainingPer1M;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: true,
    basis: `${millions(tokensPerEpoch)} tokens × ${epochs} epoch${epochs === 1 ? '' : 's'} × ${usd(entry.trainingPer1M)}/1M`,
    source: entry.source,
    date: entry.date,
    breakdown: { training: round(amount) },
  };
}

/** Actual cost after the job from the tokens the provider billed (already multiplied by epochs). */
export function actualTrainingCost(entry: PriceEntry, billedTokens: number): CostEstimate {
  if (entry.trainingPer1M === undefined) {
    throw new Error('price entry has no training price');
  }
  const amount = (billedTokens / 1_000_000) * entry.trainingPer1M;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: false,
    basis: `${millions(billedTokens)} billed tokens × ${usd(entry.trainingPer1M)}/1M`,
    source: entry.source,
    date: entry.date,
    breakdown: { training: round(amount) },
  };
}

/** Inference cost of one call from its token usage. */
export function inferenceCost(entry: PriceEntry, inputTokens: number, outputTokens: number): number {
  return round(((entry.inputPer1M ?? 0) * inputTokens + (entry.outputPer1M ?? 0) * outputTokens) / 1_000_000);
}

function round(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
