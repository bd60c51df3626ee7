import { z } from 'zod';

/**
 * LoRA training options of the local causal-LM backend. The defaults reach a
 * memorised toy set quickly: PEFT's calibration on a random 2-layer d=64 Llama
 * (issue 13) gets there with r=8 on the LM head at learning rates 0.003–0.03.
 */
export const LoraConfigSchema = z.object({
  /** @default 8 */
  rank: z.number().int().positive().default(8),
  /** Scale is alpha / rank. @default 16 */
  alpha: z.number().positive().default(16),
  /** `lm_head` and the last block's MLP (`mlp`, Llama family). @default ["lm_head", "mlp"] */
  targets: z
    .array(z.enum(['lm_head', 'mlp']))
    .min(1)
    .default(['lm_head', 'mlp']),
  /** @default 0.01 */
  learningRate: z.number().positive().default(0.01),
  /** Upper bound; training stops earlier on exact match or validation loss. @default 200 */
  epochs: z.number().int().positive().default(200),
  /** Examples per step. @default 8 */
  batchSize: z.number().int().positive().default(8),
  /** Linear warm-up steps, then a constant rate. @default 10 */
  warmupSteps: z.number().int().nonnegative().default(10),
  /** Epochs without a better validation loss before stopping. @default 20 */
  patience: z.number().int().positive().default(20),
  /** Stop once greedy decoding reproduces every training answer (teacher-forced argmax on every target token). @default true */
  stopOnExactMatch: z.boolean().default(true),
  /** @default 0 */
  seed: z.number().int().default(0),
  /** @default "auto" */
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
});
export type LoraConfig = z.infer<typeof LoraConfigSchema>;
