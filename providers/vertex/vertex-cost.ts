import {
  type CostEstimate,
  lookupPrice,
  type PriceEntry,
  type PriceTable,
} from '../../src/cost/cost-estimate.js';
import { roundUsd as round, formatUsd as usd } from '../../src/cost/money.js';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { InferencePrice } from '../../src/provider.js';

/** `projects/…/publishers/google/models/gemini-2.5-flash-001` → `gemini-2.5-flash-001`. */
export function modelIdOf(model: string): string {
  return model.split('/').pop() ?? model;
}

export function priceFor(table: PriceTable, model: string): PriceEntry | undefined {
  return lookupPrice(table, modelIdOf(model));
}

function tokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(2)}M` : n.toLocaleString('en-US');
}

function trainingEntry(table: PriceTable, baseModel: string): PriceEntry & { trainingPer1M: number } {
  const entry = priceFor(table, baseModel);
  if (entry?.trainingPer1M === undefined) {
    throw new PolytuneError(
      'UNSUPPORTED',
      `No Vertex AI tuning price is known for ${baseModel} (unknown, not $0).`,
      {
        hint: `Add it under \`vertex.prices["${modelIdOf(baseModel)}"].trainingPer1M\` in polytune.config.`,
        isRetryable: false,
      },
    );
  }
  return entry as PriceEntry & { trainingPer1M: number };
}

function cost(
  entry: PriceEntry & { trainingPer1M: number },
  perEpoch: number,
  epochs: number,
  estimate: boolean,
  what: string,
  epochNote: string,
): CostEstimate {
  const amount = round(((perEpoch * epochs) / 1_000_000) * entry.trainingPer1M);
  return {
    currency: 'USD',
    amount,
    estimate,
    basis: `${tokens(perEpoch)} ${what} × ${epochs} epoch${epochs === 1 ? '' : 's'}${epochNote} × ${usd(entry.trainingPer1M)}/1M training tokens`,
    source: entry.source,
    date: entry.date,
    ...(entry.note ? { note: entry.note } : {}),
    breakdown: { training: amount },
  };
}

/**
 * Before submit: the training split's tokens (our tokenizer; Gemini's is not
 * public, so `stats.tokens.approximate` is usually true) × epochs × price.
 */
export function estimateVertexCost(
  table: PriceTable,
  spec: JobSpec,
  stats: DatasetStats,
  assumedEpochs: number,
): CostEstimate {
  const entry = trainingEntry(table, spec.baseModel);
  const epochs = spec.hyperparameters?.epochs;
  const approx = stats.tokens.approximate ? ` (≈, ${stats.tokens.tokenizer} counts)` : '';
  return cost(
    entry,
    stats.tokens.train.total,
    epochs ?? assumedEpochs,
    true,
    `training tokens${approx}`,
    epochs === undefined ? ' (assumed; Vertex picks the count when none is set)' : '',
  );
}

/** After Vertex validated the data: `totalBillableTokenCount` (one pass over the data) × epochs × price. */
export function actualVertexCost(
  table: PriceTable,
  baseModel: string,
  billableTokens: number,
  epochs: number | undefined,
  assumedEpochs: number,
): CostEstimate {
  const entry = trainingEntry(table, baseModel);
  return cost(
    entry,
    billableTokens,
    epochs ?? assumedEpochs,
    false,
    'billable tokens (Vertex tuningDataStats)',
    epochs === undefined ? ' (job did not report its epoch count; assumed)' : '',
  );
}

export function inferencePriceFor(table: PriceTable, model: string): InferencePrice | undefined {
  const entry = priceFor(table, model);
  if (entry?.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return {
    inputPer1M: entry.inputPer1M,
    outputPer1M: entry.outputPer1M,
    source: entry.source,
    date: entry.date,
  };
}
