import { z } from 'zod';
import { PriceOverrideSchema } from './option-schemas.js';

/**
 * `polytune.config.{json,yaml,yml,js,mjs,ts}`: provider settings (project,
 * region, bucket, role, …) and price overrides. Credentials never go here; they
 * come from each provider's usual environment and credential chain.
 */
export const PolytuneConfigSchema = z
  .object({
    /** Where job records live. @default ".polytune" beside the config file */
    ledgerDir: z.string().optional(),
    /** Per-provider settings, passed to the provider's factory (flags override them). */
    providers: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Price overrides per provider and model id, e.g. `{ openai: { "gpt-4.1-mini": { trainingPer1M: 5 } } }`. */
    prices: z.record(z.string(), z.record(z.string(), PriceOverrideSchema)).default({}),
  })
  .strict();

export type PolytuneConfig = z.infer<typeof PolytuneConfigSchema>;
