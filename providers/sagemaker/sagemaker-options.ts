import type { PricingClient } from '@aws-sdk/client-pricing';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { z } from 'zod';
import { PriceOverrideSchema, RetrySettingsSchema } from '../../src/config/option-schemas.js';
import { PolytuneError } from '../../src/errors.js';

/**
 * Settings of `createSageMakerProvider` (the `providers.sagemaker` section of
 * polytune.config, merged with flags). Credentials never go here: they come
 * from the AWS credential chain (env, profile, SSO, instance role).
 */
export const SageMakerProviderOptionsSchema = z
  .object({
    /** AWS region of the jobs, bucket and endpoints. @default AWS_REGION ?? AWS_DEFAULT_REGION */
    region: z.string().min(1).optional(),
    /** IAM role SageMaker assumes for training and hosting. @default POLYTUNE_SAGEMAKER_ROLE_ARN */
    roleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/,
        'expected arn:aws:iam::<account>:role/<name>',
      )
      .optional(),
    /** S3 bucket for training data and model output (same region). @default POLYTUNE_SAGEMAKER_BUCKET */
    bucket: z.string().min(3).optional(),
    /** Key prefix inside the bucket. @default "polytune" */
    prefix: z
      .string()
      .default('polytune')
      .transform((p) => p.replace(/^\/+|\/+$/g, '')),
    /** Training instance type; else the hub document's DefaultTrainingInstanceType. */
    instanceType: z.string().startsWith('ml.').optional(),
    /** @default 1 */
    instanceCount: z.number().int().positive().default(1),
    /** Hard stop for a training job (StoppingCondition.MaxRuntimeInSeconds). @default the hub document's MaxRuntimeInSeconds, else 86400 */
    maxRuntimeSeconds: z.number().int().positive().optional(),
    /** The hub models are read from (DescribeHubContent). @default "SageMakerPublicHub" */
    hubName: z.string().min(1).default('SageMakerPublicHub'),
    /**
     * Accept the end-user licence of gated JumpStart models (Llama, …) for every job,
     * instead of `--hyperparameter accept_eula=true` per job. @default false
     */
    acceptEula: z.boolean().default(false),
    /**
     * Where hub documents (`jumpstart/<model>@<version>.json`) and refreshed prices
     * (`prices/`) are cached. @default ".polytune" in the working directory
     */
    cacheDir: z.string().min(1).default('.polytune'),
    /** Instance-hour price overrides, by instance type. @default {} */
    prices: z.record(z.string(), PriceOverrideSchema).default({}),
    /** Training tokens per second per instance, assumed for the estimate (no run measured it). @default 1500 */
    assumedTokensPerSecond: z.number().positive().default(1500),
    /** Fixed time assumed for instance launch and weight download, for the estimate. @default 900 */
    assumedOverheadSeconds: z.number().nonnegative().default(900),
    /** Files at least this large upload as multipart (lib-storage). @default 16 MiB */
    multipartThresholdBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Poll interval while an endpoint is being created. @default 30000 */
    endpointPollMs: z.number().int().positive().default(30_000),
    /** Give up waiting for InService after this long. @default 2700000 (45 min) */
    deployTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(45 * 60_000),
    /** Overrides of the shared retry policy (tests use tiny delays). */
    retry: RetrySettingsSchema.optional(),
    /**
     * Endpoint URLs for VPC endpoints or emulators, per client. The AWS SDK's own
     * `AWS_ENDPOINT_URL_SAGEMAKER`, `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, `AWS_ENDPOINT_URL_S3`,
     * `AWS_ENDPOINT_URL_PRICING` work too (@smithy/core getEndpointUrlConfig). @default the AWS endpoints
     */
    endpoints: z
      .object({ sagemaker: z.url(), runtime: z.url(), s3: z.url(), pricing: z.url() })
      .partial()
      .strict()
      .optional(),
    /** Pre-built SDK clients (tests inject clients with static credentials). */
    clients: z
      .object({
        sagemaker: z.custom<SageMakerClient>((v) => typeof v === 'object' && v !== null),
        runtime: z.custom<SageMakerRuntimeClient>((v) => typeof v === 'object' && v !== null),
        s3: z.custom<S3Client>((v) => typeof v === 'object' && v !== null),
        pricing: z.custom<PricingClient>((v) => typeof v === 'object' && v !== null),
      })
      .partial()
      .optional(),
    /** Waits between endpoint polls; injectable so tests need no wall clock. */
    sleep: z
      .custom<(ms: number, signal?: AbortSignal) => Promise<void>>((v) => typeof v === 'function')
      .optional(),
  })
  .strict();

export type SageMakerProviderOptions = z.input<typeof SageMakerProviderOptionsSchema>;
export type ResolvedSageMakerOptions = z.output<typeof SageMakerProviderOptionsSchema>;

export function parseSageMakerOptions(
  settings: unknown = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSageMakerOptions {
  const parsed = SageMakerProviderOptionsSchema.safeParse(settings ?? {});
  if (!parsed.success) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `Invalid SageMaker settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { hint: 'Fix providers.sagemaker in polytune.config (see the README SageMaker section).' },
    );
  }
  const options = parsed.data;
  return {
    ...options,
    region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    roleArn: options.roleArn ?? env.POLYTUNE_SAGEMAKER_ROLE_ARN,
    bucket: options.bucket ?? env.POLYTUNE_SAGEMAKER_BUCKET,
  };
}
