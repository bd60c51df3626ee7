import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';
import priceData from './sagemaker-prices.json' with { type: 'json' };

/** Instance-hour prices (dated and sourced, `sagemaker-prices.json`), merged with the user's overrides. */
export const SAGEMAKER_PRICES: PriceTable = priceData.instances;

export function sagemakerPriceTable(overrides: PriceTable = {}): PriceTable {
  return { ...SAGEMAKER_PRICES, ...overrides };
}

export function instancePrice(table: PriceTable, instanceType: string): PriceEntry | undefined {
  const entry = table[instanceType];
  return entry?.perHour === undefined ? undefined : entry;
}
