import { z } from 'zod';

/**
 * `sft` supervised, `dpo` preference (OpenAI DPO, Vertex preference optimisation),
 * `reinforcement` (OpenAI reinforcement fine-tuning, grader required),
 * `classification` (a classifier head, local backend).
 */
export const METHODS = ['sft', 'dpo', 'reinforcement', 'classification'] as const;
export type Method = (typeof METHODS)[number];

/**
 * Hyperparameters in one vocabulary for every provider. A backend that cannot
 * honour one reports a warning in the plan; it does not crash.
 */
export const HyperparametersSchema = z
  .object({
    epochs: z.number().int().positive().optional(),
    /** Absolute learning rate (SageMaker, local). */
    learningRate: z.number().positive().optional(),
    /** Multiplier on the provider's default rate (OpenAI, Vertex). */
    learningRateMultiplier: z.number().positive().optional(),
    batchSize: z.number().int().positive().optional(),
    loraRank: z.number().int().positive().optional(),
    loraAlpha: z.number().positive().optional(),
    /** DPO beta. */
    beta: z.number().positive().optional(),
    seed: z.number().int().nonnegative().optional(),
  })
  .strict();
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;

export const JobSpecSchema = z.object({
  provider: z.string().min(1),
  baseModel: z.string().min(1),
  method: z.enum(METHODS),
  hyperparameters: HyperparametersSchema.default({}),
  /** Suffix or display name for the tuned model. */
  suffix: z.string().max(64).optional(),
  /**
   * Provider-specific hyperparameters by the provider's own names (`--hyperparameter name=value`),
   * validated against the provider's list (the JumpStart hub document for SageMaker).
   */
  providerHyperparameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Provider-specific options, passed through untouched. */
  extra: z.record(z.string(), z.unknown()).optional(),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;
