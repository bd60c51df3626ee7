import { PolytuneError } from '../errors.js';
import type { InferencePrice } from '../provider.js';
import type { CostEstimate, PriceEntry, PriceTable } from './cost-estimate.js';
import { lookupPrice } from './cost-estimate.js';
import { roundUsd as round, formatUsd as usd } from './money.js';

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

function millions(tokens: number): string {
  return tokens >= 1_000_000 ? `${(tokens / 1_000_000).toFixed(2)}M` : `${tokens.toLocaleString('en-US')}`;
}

/** Estimate before submit: training tokens per epoch × epochs × the per-1M price. An entry without one is unknown, never $0. */
export function estimateTrainingCost(
  entry: PriceEntry,
  tokensPerEpoch: number,
  epochs: number,
): CostEstimate {
  const perMillion = trainingPrice(entry);
  const tokens = tokensPerEpoch * epochs;
  const amount = (tokens / 1_000_000) * perMillion;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: true,
    basis: `${millions(tokensPerEpoch)} tokens × ${epochs} epoch${epochs === 1 ? '' : 's'} × ${usd(perMillion)}/1M`,
    source: entry.source,
    date: entry.date,
    ...(entry.note ? { note: entry.note } : {}),
    breakdown: { training: round(amount) },
  };
}

function trainingPrice(entry: PriceEntry): number {
  if (entry.trainingPer1M === undefined) {
    throw new PolytuneError(
      'UNSUPPORTED',
      `No training price per 1M tokens in the entry from ${entry.source}.`,
      {
        hint: 'Add one under `prices.<provider>.<model>.trainingPer1M` in polytune.config.',
      },
    );
  }
  return entry.trainingPer1M;
}

/** Actual cost after the job from the tokens the provider billed (already multiplied by epochs). */
export function actualTrainingCost(entry: PriceEntry, billedTokens: number): CostEstimate {
  const perMillion = trainingPrice(entry);
  const amount = (billedTokens / 1_000_000) * perMillion;
  return {
    currency: 'USD',
    amount: round(amount),
    estimate: false,
    basis: `${millions(billedTokens)} billed tokens × ${usd(perMillion)}/1M`,
    source: entry.source,
    date: entry.date,
    ...(entry.note ? { note: entry.note } : {}),
    breakdown: { training: round(amount) },
  };
}

/**
 * An inference price with a provider's batch discount applied (both token rates times `factor`);
 * the source says which discount, so a report shows why the figure differs from the online price.
 */
export function discountedPrice(price: InferencePrice, factor: number, discount: string): InferencePrice {
  return {
    inputPer1M: price.inputPer1M * factor,
    outputPer1M: price.outputPer1M * factor,
    source: `${price.source}; ${discount}`,
    date: price.date,
  };
}

/** Inference cost of one call from its token usage; undefined (unknown, never $0) when a price is missing. */
export function inferenceCost(
  entry: PriceEntry | undefined,
  inputTokens: number,
  outputTokens: number,
): number | undefined {
  if (entry?.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return round((entry.inputPer1M * inputTokens + entry.outputPer1M * outputTokens) / 1_000_000);
}
