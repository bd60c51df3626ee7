import type OpenAI from 'openai';
import type { CostEstimate, PriceTable } from '../../src/cost/cost-estimate.js';
import { lookupPrice } from '../../src/cost/cost-estimate.js';
import { actualTrainingCost, estimateTrainingCost } from '../../src/cost/token-cost.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { InferencePrice } from '../../src/provider.js';
import { AUTO_EPOCHS_ASSUMED, baseInferenceKey } from './openai-prices.js';

/**
 * The estimate before submit. Token-billed methods: tokens × epochs × price.
 * Reinforcement bills training hours, which nothing before the run can tell:
 * its cost is unknown (the error says why, with the hourly rate). A model
 * without a price is unknown, never $0.
 */
export function estimateOpenAICost(prices: PriceTable, spec: JobSpec, stats: DatasetStats): CostEstimate {
  const entry = lookupPrice(prices, spec.baseModel);
  if (spec.method === 'reinforcement') {
    const rate =
      entry?.perHour !== undefined
        ? ` at $${entry.perHour}/training hour (${entry.source}, ${entry.date})`
        : '';
    throw new PolytuneError(
      'UNSUPPORTED',
      `reinforcement fine-tuning bills wall-clock training hours${rate}; the hours cannot be known before the run`,
      {
        hint: 'Cap the spend with the `compute_multiplier` and `n_epochs` hyperparameters; the actual hours show on the job.',
      },
    );
  }
  if (entry?.trainingPer1M === undefined) {
    throw new PolytuneError('UNSUPPORTED', `no OpenAI training price known for ${spec.baseModel}`, {
      hint: `Add one: \`prices: { openai: { "${spec.baseModel}": { trainingPer1M: … } } }\` in polytune.config.`,
    });
  }
  const epochs = spec.hyperparameters.epochs ?? AUTO_EPOCHS_ASSUMED;
  const estimate = estimateTrainingCost(entry, stats.tokens.train.total, epochs);
  const notes = [estimate.note];
  if (spec.hyperparameters.epochs === undefined) notes.push(`epochs auto: ${AUTO_EPOCHS_ASSUMED} assumed`);
  if (stats.tokens.approximate) notes.push('approximate token counts');
  const note = notes.filter(Boolean).join('; ');
  return { ...estimate, ...(note ? { note } : {}) };
}

/** `ft:gpt-4o-mini-2024-07-18:acme::abc123` → `gpt-4o-mini-2024-07-18`; other ids unchanged. */
export function baseModelOf(model: string): string {
  return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
}

/**
 * Inference price of a model: fine-tuned rates for `ft:` models (keyed by
 * their base), the base model's own rates otherwise; undefined when unknown.
 */
export function inferencePriceFor(table: PriceTable, model: string): InferencePrice | undefined {
  const entry = model.startsWith('ft:')
    ? lookupPrice(table, baseModelOf(model))
    : lookupPrice(table, baseInferenceKey(model));
  if (entry?.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return {
    inputPer1M: entry.inputPer1M,
    outputPer1M: entry.outputPer1M,
    source: entry.source,
    date: entry.date,
  };
}

/** The cost of a finished job from the tokens OpenAI billed; undefined while unknown. */
export function actualOpenAICost(
  prices: PriceTable,
  job: OpenAI.FineTuning.FineTuningJob,
): CostEstimate | undefined {
  if (typeof job.trained_tokens !== 'number') return undefined;
  const entry = lookupPrice(prices, job.model);
  return entry?.trainingPer1M === undefined ? undefined : actualTrainingCost(entry, job.trained_tokens);
}
