import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSageMakerProvider } from '../../../providers/sagemaker/sagemaker-provider.js';
import { main } from '../../../src/cli/main.js';
import { useTestServer } from '../../helpers/test-server.js';
import { createFakeAws, fakeClients, LLAMA_3_8B, REGION } from './fake-aws.js';
import { statsOf, writeSageMakerFixture } from './sagemaker-fixture.js';

/**
 * `polytune prices refresh` against the AWS Price List Query API, through the
 * real @aws-sdk/client-pricing (JSON 1.1, `AWSPriceListService.GetProducts`).
 * The pricing service model is not in /work/shared/data: requests are checked
 * against the SDK's own input type, answers are shaped as the Price List docs
 * show them (each PriceList entry a JSON string: product.attributes + terms.OnDemand,
 * https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html).
 * The dollar figures below are test data, not prices.
 */
const server = useTestServer();
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDPRICESFAKE',
  AWS_SECRET_ACCESS_KEY: 'prices-fake-secret',
  AWS_REGION: REGION,
};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) vi.stubEnv(k, v);
});
afterAll(() => vi.unstubAllEnvs());

function product(usagetype: string, usd: string, unit = 'Hrs'): string {
  const sku = `SKU${usagetype.length}${usd.replace('.', '')}`;
  return JSON.stringify({
    product: {
      productFamily: 'ML Instance',
      attributes: {
        servicecode: 'AmazonSageMaker',
        usagetype,
        regionCode: REGION,
        location: 'US East (N. Virginia)',
      },
      sku,
    },
    serviceCode: 'AmazonSageMaker',
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: {
            [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit, pricePerUnit: { USD: usd }, description: 'test data' },
          },
          sku,
          offerTermCode: 'JRTCKXETXF',
        },
      },
    },
    version: '20261201000000',
    publicationDate: '2026-12-01T00:00:00Z',
  });
}

let requests: Record<string, unknown>[];
let dir: string;
let stdout: string[];
beforeEach(async () => {
  requests = [];
  server.use(
    http.post('https://api.pricing.us-east-1.amazonaws.com/', async ({ request }) => {
      expect(request.headers.get('x-amz-target')).toBe('AWSPriceListService.GetProducts');
      const body = (await request.json()) as Record<string, unknown>;
      requests.push(body);
      const page = body.NextToken
        ? {
            PriceList: [
              product('USE1-Host:ml.g5.16xlarge', '6.0000000000'),
              product('USE1-Train:ml.g5.2xlarge', '1.2340000000'),
            ],
          }
        : {
            PriceList: [
              product('USE1-Train:ml.g5.16xlarge', '4.3210000000'),
              product('USE1-Notebook:ml.t3.medium', '0.05'),
            ],
            NextToken: 'page-2',
          };
      return HttpResponse.json(
        { FormatVersion: 'aws_v1', ...page },
        { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'pricing-req-1' } },
      );
    }),
  );
  dir = await mkdtemp(join(tmpdir(), 'polytune-prices-'));
  await writeFile(
    join(dir, 'polytune.config.json'),
    JSON.stringify({
      providers: { sagemaker: { cacheDir: join(dir, 'cache'), retry: { baseDelayMs: 1, maxDelayMs: 1 } } },
    }),
  );
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('polytune prices refresh', () => {
  it('reads training prices from GetProducts (all pages) into a dated cache the estimates then use', async () => {
    expect(await main(['prices', 'refresh', '--config', join(dir, 'polytune.config.json'), '--json'])).toBe(
      0,
    );
    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual({
      ServiceCode: 'AmazonSageMaker',
      Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: REGION }],
      FormatVersion: 'aws_v1',
      MaxResults: 100,
    });
    expect(requests[1]?.NextToken).toBe('page-2');
    const result = JSON.parse(stdout.join(''));
    expect(result).toMatchObject({ provider: 'sagemaker', count: 2 });
    const cache = JSON.parse(readFileSync(join(dir, 'cache', 'prices', `sagemaker-${REGION}.json`), 'utf8'));
    expect(cache.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Training usage only: hosting and notebook products are not training prices.
    expect(cache.instances).toEqual({
      'ml.g5.16xlarge': expect.objectContaining({
        perHour: 4.321,
        source: expect.stringContaining('AWS Price List API'),
      }),
      'ml.g5.2xlarge': expect.objectContaining({ perHour: 1.234 }),
    });

    // A provider built afterwards prices ml.g5.16xlarge (unknown in the shipped table) from the cache.
    const fake = createFakeAws();
    server.use(...fake.handlers);
    const provider = createSageMakerProvider({
      region: REGION,
      clients: fakeClients(),
      cacheDir: join(dir, 'cache'),
    });
    const spec = {
      provider: 'sagemaker',
      baseModel: LLAMA_3_8B,
      method: 'sft' as const,
      hyperparameters: {},
      extra: { instanceType: 'ml.g5.16xlarge' },
    };
    const data = await writeSageMakerFixture();
    await provider.prepare(spec, data);
    const estimate = provider.price(spec, statsOf(data));
    expect(estimate.basis).toContain('$4.321/h');
    expect(estimate.date).toBe(cache.date);
  });

  it('a provider without a price API says so', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    expect(
      await main([
        'prices',
        'refresh',
        '--provider',
        'local-onnx',
        '--config',
        join(dir, 'polytune.config.json'),
      ]),
    ).toBe(1);
    expect(stderr.join('')).toMatch(/no price API/);
    expect(requests).toHaveLength(0);
  });
});
