import type { TokenDistribution } from './dataset-stats.js';

/** min / p50 / p90 / max / mean / total of a list of per-example token counts. */
export function tokenDistribution(counts: ArrayLike<number>): TokenDistribution {
  const n = counts.length;
  if (n === 0) return { min: 0, p50: 0, p90: 0, max: 0, mean: 0, total: 0 };
  const sorted = Uint32Array.from(counts as ArrayLike<number>).sort();
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i]!;
  // Nearest-rank percentiles (numpy's 'lower' style is close enough for reporting).
  const pick = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  return { min: sorted[0]!, p50: pick(0.5), p90: pick(0.9), max: sorted[n - 1]!, mean: total / n, total };
}

// The defaults from OpenAI's data-preparation notebook.
export const TARGET_EPOCHS = 3;
export const MIN_TARGET_EXAMPLES = 100;
export const MAX_TARGET_EXAMPLES = 25_000;
export const MIN_DEFAULT_EPOCHS = 1;
export const MAX_DEFAULT_EPOCHS = 25;

/** The number of epochs OpenAI's notebook expects the service to pick for `n` training examples. */
export function defaultEpochs(n: number): number {
  if (n <= 0) return TARGET_EPOCHS;
  if (n * TARGET_EPOCHS < MIN_TARGET_EXAMPLES)
    return Math.min(MAX_DEFAULT_EPOCHS, Math.floor(MIN_TARGET_EXAMPLES / n));
  if (n * TARGET_EPOCHS > MAX_TARGET_EXAMPLES)
    return Math.max(MIN_DEFAULT_EPOCHS, Math.floor(MAX_TARGET_EXAMPLES / n));
  return TARGET_EPOCHS;
}

/** Tokens billed per epoch: each example counts up to the per-example limit (longer ones are truncated). */
export function billableTokensPerEpoch(counts: ArrayLike<number>, maxTokensPerExample: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += Math.min(maxTokensPerExample, counts[i]!);
  return total;
}

export interface BillingEstimate {
  /** The per-example limit used (longer examples are truncated). */
  maxTokensPerExample: number;
  epochs: number;
  /** True when `epochs` is the notebook's heuristic, not the user's choice. */
  epochsHeuristic: boolean;
  tokensPerEpoch: number;
  /** sum(min(limit, length)) × epochs. */
  billableTokens: number;
}

export function billingEstimate(
  counts: ArrayLike<number>,
  maxTokensPerExample: number,
  epochs?: number,
): BillingEstimate {
  const e = epochs ?? defaultEpochs(counts.length);
  const perEpoch = billableTokensPerEpoch(counts, maxTokensPerExample);
  return {
    maxTokensPerExample,
    epochs: e,
    epochsHeuristic: epochs === undefined,
    tokensPerEpoch: perEpoch,
    billableTokens: perEpoch * e,
  };
}
