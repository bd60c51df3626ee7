import type { ExampleKind } from './example.js';

/** Token-length distribution over a split. */
export interface TokenDistribution {
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
  total: number;
}

/**
 * What providers need to know about a dataset to validate and price a job,
 * computed once by `data check` / `data prepare` and stored in the manifest.
 */
export interface DatasetStats {
  kind: ExampleKind;
  examples: { train: number; validation: number; test: number; total: number };
  tokens: {
    /** Tokenizer used for the counts, e.g. `o200k_base`. */
    tokenizer: string;
    /** True when the provider's own tokenizer is not public and counts are an approximation. */
    approximate: boolean;
    /** Per-example token counts of the training split. */
    train: TokenDistribution;
    validation?: TokenDistribution;
  };
  /** Label counts over all splits (classification only). */
  labels?: Record<string, number>;
}
