import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import { z } from 'zod';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { toPolytuneError } from './sagemaker-errors.js';

/**
 * SageMaker instance-hour prices from the AWS Price List Query API
 * (`GetProducts`, ServiceCode `AmazonSageMaker`), cached per region under the
 * ledger dir by `polytune prices refresh`. Response shape: each `PriceList`
 * entry is a JSON string with `product.attributes` and
 * `terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html,
 * read 2026-12-06). Training usage types read `<REGION>-Train:<instance type>`
 * (AWS ML blog "Analyze Amazon SageMaker spend … Part 4: Training jobs", read 2026-12-06);
 * the `regionCode` filter attribute is unverified for AmazonSageMaker.
 */
export const PRICE_LIST_SOURCE = 'AWS Price List API GetProducts (AmazonSageMaker, on-demand)';
/** The Price List Query API is served from a few regions only; us-east-1 is one. */
export const PRICE_LIST_REGION = 'us-east-1';

const ProductSchema = z.object({
  product: z.object({ attributes: z.object({ usagetype: z.string().optional() }).loose() }),
  terms: z
    .object({
      OnDemand: z
        .record(
          z.string(),
          z.object({
            priceDimensions: z.record(
              z.string(),
              z.object({
                unit: z.string().optional(),
                pricePerUnit: z.object({ USD: z.string().optional() }),
              }),
            ),
          }),
        )
        .optional(),
    })
    .default({}),
});

/** `USE1-Train:ml.g5.16xlarge` and its hourly on-demand price, or undefined for other products. */
export function trainingPriceOf(entry: string): { instanceType: string; perHour: number } | undefined {
  const parsed = ProductSchema.safeParse(JSON.parse(entry));
  if (!parsed.success) return undefined;
  const match = /-Train:(ml\.[a-z0-9.-]+)$/.exec(parsed.data.product.attributes.usagetype ?? '');
  if (!match?.[1]) return undefined;
  for (const term of Object.values(parsed.data.terms.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions)) {
      const usd = Number(dimension.pricePerUnit.USD);
      if (/^hrs?$/i.test(dimension.unit ?? 'Hrs') && Number.isFinite(usd) && usd > 0) {
        return { instanceType: match[1], perHour: usd };
      }
    }
  }
  return undefined;
}

export interface RefreshedPrices {
  source: string;
  region: string;
  /** YYYY-MM-DD, the day the API was read. */
  date: string;
  instances: PriceTable;
}

/** Reads every on-demand training price of a region (all pages of GetProducts). */
export async function fetchTrainingPrices(
  pricing: PricingClient,
  region: string,
  retry: RetryOptions,
  today: string,
): Promise<RefreshedPrices> {
  const instances: PriceTable = {};
  let token: string | undefined;
  do {
    const page = await withRetry(async () => {
      try {
        return await pricing.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonSageMaker',
            Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }],
            FormatVersion: 'aws_v1',
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (error) {
        throw toPolytuneError(error, 'GetProducts AmazonSageMaker');
      }
    }, retry);
    for (const entry of page.PriceList ?? []) {
      const price = trainingPriceOf(entry);
      if (price)
        instances[price.instanceType] = {
          perHour: price.perHour,
          source: `${PRICE_LIST_SOURCE}, ${region}`,
          date: today,
        };
    }
    token = page.NextToken;
  } while (token);
  return { source: PRICE_LIST_SOURCE, region, date: today, instances };
}

export function priceCacheFile(cacheDir: string, region: string): string {
  return join(cacheDir, 'prices', `sagemaker-${region}.json`);
}

export async function writePriceCache(cacheDir: string, prices: RefreshedPrices): Promise<string> {
  const file = priceCacheFile(cacheDir, prices.region);
  await mkdir(join(cacheDir, 'prices'), { recursive: true });
  await writeJsonAtomic(file, prices);
  return file;
}

/** The refreshed table of a region, or undefined when `prices refresh` never ran (read once, at provider creation). */
export function readPriceCache(cacheDir: string, region: string): RefreshedPrices | undefined {
  try {
    return JSON.parse(readFileSync(priceCacheFile(cacheDir, region), 'utf8')) as RefreshedPrices;
  } catch {
    return undefined;
  }
}
