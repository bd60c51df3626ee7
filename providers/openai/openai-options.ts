import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';

const PriceOverrideSchema = z.object({
  trainingPer1M: z.number().nonnegative().optional(),
  inputPer1M: z.number().nonnegative().optional(),
  outputPer1M: z.number().nonnegative().optional(),
  perHour: z.number().nonnegative().optional(),
  source: z.string().optional(),
  date: z.string().optional(),
  note: z.string().optional(),
});

/**
 * Settings of the OpenAI provider (config file `providers.openai`, flags on
 * top). Credentials come from the environment unless given in code.
 */
export const OpenAIProviderSettingsSchema = z
  .object({
    /** API key. @default process.env.OPENAI_API_KEY (AZURE_OPENAI_API_KEY with `azure`) */
    apiKey: z.string().min(1).optional(),
    /** An OpenAI-compatible endpoint. @default process.env.OPENAI_BASE_URL, else https://api.openai.com/v1 */
    baseURL: z.string().url().optional(),
    /** @default process.env.OPENAI_ORG_ID */
    organization: z.string().optional(),
    /** @default process.env.OPENAI_PROJECT_ID */
    project: z.string().optional(),
    /** Azure OpenAI through the SDK's `AzureOpenAI` client. */
    azure: z
      .object({
        /** e.g. `https://my-resource.openai.azure.com/`. @default process.env.AZURE_OPENAI_ENDPOINT */
        endpoint: z.string().url().optional(),
        /** @default process.env.OPENAI_API_VERSION */
        apiVersion: z.string().optional(),
        /** A model deployment for inference calls. */
        deployment: z.string().optional(),
      })
      .strict()
      .optional(),
    /** Price overrides by model id (merged over the built-in table). */
    prices: z.record(z.string(), PriceOverrideSchema).optional(),
    /** How often to check whether an uploaded file is processed. @default 2000 */
    filePollIntervalMs: z.number().int().positive().default(2000),
    /** Give up waiting for file processing after this long. @default 600000 */
    fileProcessingTimeoutMs: z.number().int().positive().default(600_000),
    /** Per-request timeout. @default 120000 */
    requestTimeoutMs: z.number().int().positive().default(120_000),
    /** Our retries (reconcile-then-retry for creates); the SDK's own retries are off. */
    retry: z
      .object({
        /** @default 4 */
        retries: z.number().int().nonnegative().default(4),
        /** @default 500 */
        baseDelayMs: z.number().int().nonnegative().default(500),
        /** @default 30000 */
        maxDelayMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({ retries: 4, baseDelayMs: 500, maxDelayMs: 30_000 }),
  })
  .strict();

export type OpenAIProviderSettings = z.input<typeof OpenAIProviderSettingsSchema>;
export type ResolvedOpenAISettings = z.output<typeof OpenAIProviderSettingsSchema>;

export function parseOpenAISettings(settings: unknown): ResolvedOpenAISettings {
  const parsed = OpenAIProviderSettingsSchema.safeParse(settings ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new PolytuneError('INVALID_INPUT', `Invalid OpenAI provider settings: ${problems}`, {
    hint: 'Allowed: apiKey, baseURL, organization, project, azure {endpoint, apiVersion, deployment}, prices, filePollIntervalMs, fileProcessingTimeoutMs, requestTimeoutMs, retry.',
  });
}
