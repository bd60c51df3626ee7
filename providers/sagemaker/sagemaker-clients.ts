import { setTimeout as delay } from 'node:timers/promises';
import { PricingClient } from '@aws-sdk/client-pricing';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { PolytuneError } from '../../src/errors.js';
import type { RetryOptions } from '../../src/retry.js';
import type { ResolvedSageMakerOptions } from './sagemaker-options.js';
import { PRICE_LIST_REGION } from './sagemaker-price-list.js';

/**
 * The settings every part of the provider needs, checked when first used (a
 * dry run without a role still plans), and the AWS SDK clients, built lazily.
 * Endpoints: the `endpoints` setting, else the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables.
 */
export interface SageMakerContext {
  options: ResolvedSageMakerOptions;
  retry: RetryOptions;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  region(): string;
  roleArn(): string;
  bucket(): string;
  sagemaker(): SageMakerClient;
  runtime(): SageMakerRuntimeClient;
  s3(): S3Client;
  pricing(): PricingClient;
}

function required(value: string | undefined, message: string, hint: string): string {
  if (!value) throw new PolytuneError('INVALID_INPUT', message, { hint });
  return value;
}

export function createSageMakerContext(options: ResolvedSageMakerOptions): SageMakerContext {
  const sleep =
    options.sleep ??
    options.retry?.sleep ??
    ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const clients = { ...options.clients };
  // maxAttempts 1: the SDK does not retry; withRetry (src/retry.ts) is the one policy.
  const config = (region: string, endpoint?: string) => ({
    region,
    maxAttempts: 1,
    ...(endpoint ? { endpoint } : {}),
  });
  const endpoints = options.endpoints ?? {};
  const ctx: SageMakerContext = {
    options,
    retry: { ...options.retry, sleep },
    sleep,
    region: () =>
      required(
        options.region,
        'No AWS region is set for SageMaker.',
        'Set AWS_REGION, or providers.sagemaker.region in polytune.config.',
      ),
    roleArn: () =>
      required(
        options.roleArn,
        'No IAM role is set for SageMaker.',
        'Set providers.sagemaker.roleArn in polytune.config (or POLYTUNE_SAGEMAKER_ROLE_ARN): a role SageMaker can assume (see the README SageMaker section).',
      ),
    bucket: () =>
      required(
        options.bucket,
        'No S3 bucket is set for SageMaker.',
        'Set providers.sagemaker.bucket in polytune.config (or POLYTUNE_SAGEMAKER_BUCKET), a bucket in the same region.',
      ),
    sagemaker() {
      clients.sagemaker ??= new SageMakerClient(config(ctx.region(), endpoints.sagemaker));
      return clients.sagemaker;
    },
    runtime() {
      clients.runtime ??= new SageMakerRuntimeClient(config(ctx.region(), endpoints.runtime));
      return clients.runtime;
    },
    s3() {
      // msw and some proxies never answer `Expect: 100-continue` (NOTES.md): send the body at once.
      clients.s3 ??= new S3Client({ ...config(ctx.region(), endpoints.s3), expectContinueHeader: false });
      return clients.s3;
    },
    pricing() {
      clients.pricing ??= new PricingClient(config(PRICE_LIST_REGION, endpoints.pricing));
      return clients.pricing;
    },
  };
  return ctx;
}
