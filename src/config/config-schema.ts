import { z } from 'zod';

const PriceEntrySchema = z.object({
  trainingPer1M: z.number().nonnegative().optional(),
  perHour: z.number().nonnegative().optional(),
  inputPer1M: z.number().nonnegative().optional(),
  outputPer1M: z.number().nonnegative().optional(),
  source: z.string().default('user config'),
  date: z.string().default('user config'),
  note: z.string().optional(),
});

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
    prices: z.record(z.string(), z.record(z.string(), PriceEntrySchema)).default({}),
  })
  .strict();

export type PolytuneConfig = z.infer<typeof PolytuneConfigSchema>;
