/** A cost figure with where its prices came from. Estimates are always marked as such. */
export interface CostEstimate {
  currency: 'USD';
  amount: number;
  /** True before a job runs (from token counts); false when computed from what the provider billed. */
  estimate: boolean;
  /** How the amount was computed, e.g. `1.2M tokens × 3 epochs × $3.00/1M`. */
  basis: string;
  /** The price table entry used: its source URL and the date it was read. */
  source: string;
  date: string;
  /**
   * What the user should know about the figure: unverified price, assumed epochs, tiered pricing.
   * The CLI prints it beside the amount.
   */
  note?: string;
  /** Named parts (training, storage, instance-hours) when there is more than one. */
  breakdown?: Record<string, number>;
}

/** One dated, sourced price entry. Tables are data; users override them in config. */
export interface PriceEntry {
  /** USD per 1M training tokens (token-billed providers). */
  trainingPer1M?: number;
  /** USD per hour of a training or hosting instance (instance-billed providers). */
  perHour?: number;
  inputPer1M?: number;
  outputPer1M?: number;
  source: string;
  date: string;
  note?: string;
}

export type PriceTable = Record<string, PriceEntry>;

/** Looks a model up by exact id, then by the longest table key that prefixes it (`gpt-4o-mini-2024-07-18`). */
export function lookupPrice(table: PriceTable, model: string): PriceEntry | undefined {
  if (table[model]) return table[model];
  const match = Object.keys(table)
    .filter((k) => model.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return match ? table[match] : undefined;
}
