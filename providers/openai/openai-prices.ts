import type { PriceTable } from '../../src/cost/cost-estimate.js';

/**
 * OpenAI prices in USD per 1M tokens (per hour for reinforcement training).
 * Data, not code: override any entry with `prices.openai.<key>` in
 * polytune.config or the `prices` setting. Keys are matched exactly, then by
 * the longest prefix (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`).
 *
 * - `<base model>`: fine-tuning (training per 1M tokens, and inference on the
 *   fine-tuned model, input/output per 1M), or reinforcement training per hour.
 * - `base:<model>`: inference on the base model itself (evals of `openai:gpt-4o-mini`).
 *
 * Azure and other compatible endpoints bill differently: override these there.
 */
const PRICING = 'https://developers.openai.com/api/docs/pricing (fine-tuning table)';
const FACTS_NOTE =
  'figures verified against the pricing page in PROVIDER-FACTS.md (2026-12); not re-read by polytune';
const RETIRED_NOTE = 'unverified: written from memory in 2025; the model no longer takes jobs';
const BASE_SOURCE =
  'third-party copies of the pricing page: aipricing.guru via github.com/Sraleik/undetermini PRICING.md (verified 2026-05-07)';
const BASE_NOTE =
  "unverified: OpenAI's pricing page no longer lists the gpt-4.x family; figures from a third-party copy";

export const OPENAI_PRICES: PriceTable = {
  'gpt-4.1-mini': {
    trainingPer1M: 5,
    inputPer1M: 0.8,
    outputPer1M: 3.2,
    source: PRICING,
    date: '2026-12',
    note: FACTS_NOTE,
  },
  'gpt-4.1': {
    trainingPer1M: 25,
    inputPer1M: 3,
    outputPer1M: 12,
    source: PRICING,
    date: '2026-12',
    note: FACTS_NOTE,
  },
  'gpt-4o-mini': {
    trainingPer1M: 3,
    inputPer1M: 0.3,
    outputPer1M: 1.2,
    source: PRICING,
    date: '2026-12',
    note: FACTS_NOTE,
  },
  'gpt-4o': {
    trainingPer1M: 25,
    inputPer1M: 3.75,
    outputPer1M: 15,
    source: PRICING,
    date: '2026-12',
    note: FACTS_NOTE,
  },
  'gpt-4.1-nano': {
    trainingPer1M: 1.5,
    inputPer1M: 0.2,
    outputPer1M: 0.8,
    source: PRICING,
    date: '2025-06',
    note: RETIRED_NOTE,
  },
  'gpt-3.5-turbo': {
    trainingPer1M: 8,
    inputPer1M: 3,
    outputPer1M: 6,
    source: PRICING,
    date: '2025-06',
    note: RETIRED_NOTE,
  },
  // Reinforcement fine-tuning bills wall-clock hours of the training loop, prorated to the second;
  // model graders' tokens are billed on top at API rates.
  'o4-mini': {
    perHour: 100,
    source:
      'https://help.openai.com/en/articles/11323177-billing-guide-for-the-reinforcement-fine-tuning-api',
    date: '2026-12-06',
    note: 'per training hour (o4-mini-2025-04-16); grader tokens billed separately',
  },
  'base:gpt-4.1-nano': {
    inputPer1M: 0.1,
    outputPer1M: 0.4,
    source: BASE_SOURCE,
    date: '2026-05-07',
    note: BASE_NOTE,
  },
  'base:gpt-4.1-mini': {
    inputPer1M: 0.4,
    outputPer1M: 1.6,
    source: BASE_SOURCE,
    date: '2026-05-07',
    note: BASE_NOTE,
  },
  'base:gpt-4.1': { inputPer1M: 2, outputPer1M: 8, source: BASE_SOURCE, date: '2026-05-07', note: BASE_NOTE },
  'base:gpt-4o-mini': {
    inputPer1M: 0.15,
    outputPer1M: 0.6,
    source: BASE_SOURCE,
    date: '2026-05-07',
    note: BASE_NOTE,
  },
  'base:gpt-4o': {
    inputPer1M: 2.5,
    outputPer1M: 10,
    source: 'third-party copy of the pricing page: github.com/kunishou/GenerativeAI-Cost (gpt-4o-2024-08-06)',
    date: '2026-12-06',
    note: BASE_NOTE,
  },
};

/** The key of a base model's own inference price. */
export function baseInferenceKey(model: string): string {
  return `base:${model}`;
}

/** OpenAI picks the epoch count when `n_epochs` is `auto`; for small datasets it is 3 or more. */
export const AUTO_EPOCHS_ASSUMED = 3;
