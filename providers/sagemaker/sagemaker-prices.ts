import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';
import priceData from './sagemaker-prices.json' with { type: 'json' };

/** Instance-hour prices shipped with polytune (dated, sourced, unverified: `sagemaker-prices.json`). */
export const SAGEMAKER_PRICES: PriceTable = priceData.instances;

/** The shipped table, then what `polytune prices refresh` read from the Price List API, then the user's overrides. */
export function sagemakerPriceTable(overrides: PriceTable = {}, refreshed: PriceTable = {}): PriceTable {
  return { ...SAGEMAKER_PRICES, ...refreshed, ...overrides };
}

export function instancePrice(table: PriceTable, instanceType: string): PriceEntry | undefined {
  const entry = table[instanceType];
  return entry?.perHour === undefined ? undefined : entry;
}
