import { z } from 'zod';

/**
 * Schemas every provider's settings share, defined once: a price override
 * (config `prices.<provider>.<model>` or a provider's own `prices`) and
 * overrides of the one retry policy (`src/retry.ts`).
 */

/** One price entry given by the user; it wins over the shipped, sourced tables. */
export const PriceOverrideSchema = z
  .object({
    /** USD per 1M training tokens (token-billed providers). */
    trainingPer1M: z.number().nonnegative().optional(),
    /** USD per hour of a training or hosting instance. */
    perHour: z.number().nonnegative().optional(),
    inputPer1M: z.number().nonnegative().optional(),
    outputPer1M: z.number().nonnegative().optional(),
    /** @default 'user config' */
    source: z.string().default('user config'),
    /** @default 'user config' */
    date: z.string().default('user config'),
    note: z.string().optional(),
  })
  .strict();
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;

/** Overrides of `DEFAULT_RETRY_POLICY`; tests pass tiny delays and an instant `sleep`. */
export const RetrySettingsSchema = z
  .object({
    /** Retries after the first attempt. @default 4 */
    retries: z.number().int().nonnegative().optional(),
    /** @default 500 */
    baseDelayMs: z.number().nonnegative().optional(),
    /** @default 30000 */
    maxDelayMs: z.number().nonnegative().optional(),
    /** Waits between attempts; injectable so tests need no real time. @default setTimeout */
    sleep: z
      .custom<(ms: number, signal?: AbortSignal) => Promise<void>>((v) => typeof v === 'function')
      .optional(),
  })
  .strict();
export type RetrySettings = z.infer<typeof RetrySettingsSchema>;
