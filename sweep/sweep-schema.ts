import { z } from 'zod';
import { HyperparametersSchema, METHODS } from '../src/jobs/job-spec.js';

/**
 * The sweep file schema (YAML/JSON): the source of truth; `sweep/sweep.schema.json`
 * is generated from it for editors.
 */

/** Names a search space may vary: polytune's hyperparameters, or `extra.<name>` for a provider's own option. */
const HYPERPARAMETER_NAMES = Object.keys(HyperparametersSchema.shape);
const isDimension = (name: string) =>
  HYPERPARAMETER_NAMES.includes(name) || /^extra\.[A-Za-z][\w-]*$/.test(name);

const gridValue = z.union([z.number(), z.string(), z.boolean()]);

export const RandomRangeSchema = z
  .object({
    min: z.number(),
    max: z.number(),
    /** Sample uniformly in log space (learning rates). @default false */
    log: z.boolean().default(false),
    /** Round to a whole number (epochs, batch size). @default false */
    integer: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.max >= r.min, { message: 'max must be at least min' })
  .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0' });
export type RandomRange = z.infer<typeof RandomRangeSchema>;

export const TrialBlockSchema = z
  .object({
    /** Shown in the leaderboard; trials are named `<name>-<n>`. @default the provider id */
    name: z.string().min(1).optional(),
    provider: z.string().min(1),
    /** @default 'default' for local-onnx */
    baseModel: z.string().min(1).optional(),
    /** @default classification for classification data on local-onnx, else sft */
    method: z.enum(METHODS).optional(),
    /** Hyperparameters every trial of the block shares. */
    fixed: HyperparametersSchema.default({}),
    /** Provider options every trial shares (the job spec's `extra`). */
    extra: z.record(z.string(), z.unknown()).optional(),
    /** Every combination of these values is one trial. */
    grid: z.record(z.string(), z.array(gridValue).min(1)).optional(),
    /**
     * Successive halving (local-onnx only): every trial first trains `fraction` of its epochs and is
     * judged on validation; the better half goes on with twice the epochs, and so on, until the
     * survivors train their full epochs. Needs `epochs` in each trial.
     */
    halving: z
      .object({
        /** Share of each trial's epochs in the first rung. @default 0.25 */
        fraction: z.number().gt(0).lt(1).default(0.25),
      })
      .strict()
      .optional(),
    /** `count` trials sampled from these ranges (or value lists) with `seed`. */
    random: z
      .object({
        count: z.number().int().positive(),
        /** @default 1 */
        seed: z.number().int().default(1),
        space: z.record(z.string(), z.union([RandomRangeSchema, z.array(gridValue).min(1)])),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((block, ctx) => {
    const spaces = [
      ['grid', block.grid],
      ['random', block.random?.space],
    ] as const;
    for (const [where, space] of spaces) {
      for (const name of Object.keys(space ?? {})) {
        if (isDimension(name)) continue;
        ctx.addIssue({
          code: 'custom',
          path: where === 'grid' ? ['grid', name] : ['random', 'space', name],
          message: `unknown hyperparameter ${JSON.stringify(name)}: expected one of ${HYPERPARAMETER_NAMES.join(', ')}, or extra.<provider option> (e.g. extra.hidden)`,
        });
      }
    }
  });
export type TrialBlock = z.infer<typeof TrialBlockSchema>;

export const BudgetSchema = z
  .object({
    /** Hard cap in USD on training spend: estimates before, actual job costs as they arrive. */
    usd: z.number().nonnegative(),
    /** Start at most this many trials. */
    trials: z.number().int().positive().optional(),
    /** Start no trial after this many hours from the sweep's start. */
    hours: z.number().positive().optional(),
  })
  .strict();

/** Metrics the winner can be chosen by (higher is better). */
const METRIC = /^(?:categories\.[\w-]+\.)?(?:passRate|meanScore)$/;

export const SweepSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    /** The prepared folder (`polytune data prepare`) every trial trains on; path relative to the sweep file. */
    data: z.string().min(1),
    /** The suite file (relative to the sweep file); API callers may pass a parsed suite instead. Its held-out sources are replaced by the validation split while judging, then by the test split once for the winner. */
    suite: z.string().min(1).optional(),
    /**
     * Model ref the winner is compared with on the test split, as `polytune eval --baseline` takes it
     * (e.g. `local-onnx:zero-shot:prepared`; a path inside a ref is relative to the working directory).
     */
    baseline: z.string().min(1).optional(),
    trials: z.array(TrialBlockSchema).min(1),
    budget: BudgetSchema,
    /** Gate metric the winner is chosen by, e.g. `passRate`, `categories.adversarial.passRate`. @default 'passRate' */
    metric: z
      .string()
      .regex(METRIC, 'expected passRate or meanScore, optionally as categories.<name>.<metric>')
      .default('passRate'),
    /** Compare the point estimate, or the lower bound of its 95% interval. @default 'point' */
    select: z.enum(['point', 'lower-bound']).default('point'),
    /** Which trials the budget keeps when it cannot keep all. @default 'cheapest-first' */
    order: z.enum(['cheapest-first', 'file']).default('cheapest-first'),
    /** Trials running at once, per provider id. @default 1 each */
    concurrency: z.record(z.string(), z.number().int().positive()).default({}),
  })
  .strict();
export type SweepInput = z.input<typeof SweepSchema>;
export type Sweep = z.infer<typeof SweepSchema>;

/** A parsed sweep plus the folder its relative paths resolve against. */
export interface LoadedSweep {
  sweep: Sweep;
  baseDir: string;
  file?: string;
}
