import { z } from 'zod';
import { PriceOverrideSchema, RetrySettingsSchema } from '../../src/config/option-schemas.js';
import { PolytuneError } from '../../src/errors.js';
import { CalendarOverrideSchema } from './openai-calendar.js';

/** Azure OpenAI: the data plane (the SDK's `AzureOpenAI`) and, for `polytune deploy`, the control plane. */
const AzureSettingsSchema = z
  .object({
    /** e.g. `https://my-resource.openai.azure.com/`. @default process.env.AZURE_OPENAI_ENDPOINT */
    endpoint: z.string().url().optional(),
    /** @default process.env.OPENAI_API_VERSION, else 2025-04-01-preview */
    apiVersion: z.string().optional(),
    /** A model deployment for inference calls. */
    deployment: z.string().optional(),
    /** For `polytune deploy`. @default process.env.AZURE_SUBSCRIPTION_ID */
    subscriptionId: z.string().optional(),
    /** @default process.env.AZURE_RESOURCE_GROUP */
    resourceGroup: z.string().optional(),
    /** The Azure OpenAI (Cognitive Services) account name. @default the host name of `endpoint` */
    accountName: z.string().optional(),
    /** Deployment SKU: `developer` (no hosting fee, 24 h lifetime) or `standard` (billed per hour). @default 'developer' */
    deploymentTier: z.enum(['developer', 'standard']).default('developer'),
    /** Deployment capacity (thousands of tokens per minute). @default 50 */
    deploymentCapacity: z.number().int().positive().default(50),
    /** Where the ARM client sends requests. @default https://management.azure.com */
    managementEndpoint: z.string().url().optional(),
  })
  .strict();

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
    azure: AzureSettingsSchema.optional(),
    /** Price overrides by model id (merged over the built-in table). */
    prices: z.record(z.string(), PriceOverrideSchema).optional(),
    /** Calendar entries that replace or add to the shipped model calendar (when OpenAI changes its plans). */
    calendar: z.array(CalendarOverrideSchema).optional(),
    /** How often to check whether an uploaded file is processed. @default 2000 */
    filePollIntervalMs: z.number().int().positive().default(2000),
    /** Give up waiting for file processing after this long. @default 600000 */
    fileProcessingTimeoutMs: z.number().int().positive().default(600_000),
    /** Per-request timeout. @default 120000 */
    requestTimeoutMs: z.number().int().positive().default(120_000),
    /** Our retries (reconcile-then-retry for creates); the SDK's own retries are off. */
    retry: RetrySettingsSchema.default({}),
  })
  .strict();

export type OpenAIProviderSettings = z.input<typeof OpenAIProviderSettingsSchema>;
export type ResolvedOpenAISettings = z.output<typeof OpenAIProviderSettingsSchema>;
export type ResolvedAzureSettings = NonNullable<ResolvedOpenAISettings['azure']>;

export function parseOpenAISettings(settings: unknown): ResolvedOpenAISettings {
  const parsed = OpenAIProviderSettingsSchema.safeParse(settings ?? {});
  if (parsed.success) return parsed.data;
  throw new PolytuneError(
    'INVALID_INPUT',
    `Invalid OpenAI provider settings: ${z.prettifyError(parsed.error)}`,
    {
      hint: 'Allowed: apiKey, baseURL, organization, project, azure {endpoint, apiVersion, deployment, subscriptionId, resourceGroup, accountName, deploymentTier, deploymentCapacity}, prices, calendar, filePollIntervalMs, fileProcessingTimeoutMs, requestTimeoutMs, retry.',
    },
  );
}
