import { z } from 'zod';
import { PriceOverrideSchema, RetrySettingsSchema } from '../../src/config/option-schemas.js';
import { PolytuneError } from '../../src/errors.js';

/**
 * Settings of the Vertex AI provider (`vertex:` in the config file). Credentials
 * come from Application Default Credentials unless `authClient`, `credentials`
 * or `keyFilename` is given.
 */
export const VertexOptionsSchema = z.object({
  /** Google Cloud project id. @default env GOOGLE_CLOUD_PROJECT, then GCLOUD_PROJECT */
  project: z.string().min(1).optional(),
  /** Region that runs tuning and serves the tuned endpoint. @default env GOOGLE_CLOUD_LOCATION, then 'us-central1' */
  location: z
    .string()
    .regex(/^[a-z]+-[a-z]+\d+$|^global$/, 'expected a region such as us-central1')
    .optional(),
  /** Cloud Storage bucket the compiled JSONL is uploaded to (name only, no gs://). @default env POLYTUNE_VERTEX_BUCKET */
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'expected a bucket name without gs://')
    .optional(),
  /** Object name prefix inside the bucket. @default 'polytune' */
  prefix: z.string().default('polytune'),
  /**
   * An auth client for the Vertex AI calls (an `AuthClient` of the google-auth-library
   * that google-gax uses), mainly for tests. @default Application Default Credentials
   */
  authClient: z.unknown().optional(),
  /** Service-account credentials, passed to both the Vertex AI and Cloud Storage clients. */
  credentials: z.object({ client_email: z.string(), private_key: z.string() }).optional(),
  /** Path to a service-account key file. */
  keyFilename: z.string().optional(),
  /** Host of the Vertex AI API. @default '<location>-aiplatform.googleapis.com' */
  apiEndpoint: z.string().optional(),
  /** Port of the Vertex AI API (tests point it at a local server). @default 443 */
  port: z.number().int().positive().optional(),
  /** Protocol of the Vertex AI API. @default 'https' */
  protocol: z.enum(['https', 'http']).optional(),
  /**
   * Cloud Storage API endpoint: a private or regional endpoint, or a local emulator. Uploads
   * to it carry the same credentials as the default endpoint. @default 'https://storage.googleapis.com'
   */
  storageEndpoint: z.string().url().optional(),
  /** Send no credentials to `storageEndpoint` (a local emulator that takes none). @default false */
  storageEmulator: z.boolean().default(false),
  /** Files larger than this use a resumable upload. @default 8 MiB */
  resumableThresholdBytes: z
    .number()
    .int()
    .nonnegative()
    .default(8 * 1024 * 1024),
  /** Epochs assumed for the estimate when the spec sets none (Vertex then picks its own). @default 3 */
  assumedEpochs: z.number().int().positive().default(3),
  /**
   * Tunable models by id, merged over the shipped table (providers/vertex/vertex-tunable-models.ts)
   * when Google changes its list first; a new id starts from gemini-2.5-flash's limits.
   */
  tunableModels: z
    .record(
      z.string(),
      z
        .object({
          methods: z.array(z.enum(['sft', 'dpo'])).optional(),
          adapterSizes: z.array(z.number().int().positive()).optional(),
          tuningRegions: z.array(z.string()).optional(),
          servingMultiRegions: z.array(z.enum(['us', 'eu'])).optional(),
          maxTrainingExamples: z.number().int().positive().optional(),
          maxTokensPerExample: z.number().int().positive().optional(),
          maxValidationExamples: z.number().int().nonnegative().optional(),
          maxValidationShare: z.number().min(0).max(1).optional(),
          source: z.string().optional(),
          date: z.string().optional(),
        })
        .strict(),
    )
    .default({}),
  /** Price overrides by model id, merged over the built-in table. */
  prices: z.record(z.string(), PriceOverrideSchema).default({}),
  /** Retry policy for reads, generateContent and reconciled creates. @default {retries: 4, baseDelayMs: 500, maxDelayMs: 30000} */
  retry: RetrySettingsSchema.default({}),
});

export type VertexOptions = z.input<typeof VertexOptionsSchema>;
export type ResolvedVertexOptions = z.output<typeof VertexOptionsSchema> & {
  location: string;
};

/** Parses settings and fills project, location and bucket from the environment. */
export function resolveVertexOptions(
  input: VertexOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedVertexOptions {
  const parsed = VertexOptionsSchema.safeParse({
    ...input,
    project: input.project ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT,
    location: input.location ?? env.GOOGLE_CLOUD_LOCATION ?? 'us-central1',
    bucket: input.bucket ?? env.POLYTUNE_VERTEX_BUCKET,
  });
  if (!parsed.success) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `Invalid Vertex AI settings:\n${z.prettifyError(parsed.error)}`,
      {
        hint: 'Fix the `vertex` section of polytune.config or the flags.',
      },
    );
  }
  const { location } = parsed.data;
  // The project is checked on the first remote call (`requireProject`), so a dry run or a
  // cost estimate works on a machine with no Google Cloud set up.
  return { ...parsed.data, location: location as string };
}

/** The project, or a clear error when a remote call needs one and none is set. */
export function requireProject(opts: { project?: string }): string {
  if (!opts.project) {
    throw new PolytuneError('INVALID_INPUT', 'No Google Cloud project is set for Vertex AI.', {
      hint: 'Set `vertex.project` in polytune.config or the GOOGLE_CLOUD_PROJECT environment variable.',
    });
  }
  return opts.project;
}
