import type { PriceTable } from '../../src/cost/cost-estimate.js';

/**
 * OpenAI fine-tuning prices in USD per 1M tokens: training, and inference on
 * the fine-tuned model. Data, not code: override any entry with
 * `prices.openai.<model>` in polytune.config or the `prices` setting.
 * Keys are matched exactly, then by the longest prefix (`gpt-4o-mini-2024-07-18`
 * → `gpt-4o-mini`). Azure and other compatible endpoints bill differently:
 * override these there.
 */
const SOURCE = 'https://openai.com/api/pricing/ (fine-tuning section)';
const NOTE = 'read from the pricing page before the 2026 wind-down notice; not re-checked offline';

export const OPENAI_PRICES: PriceTable = {
  'gpt-4.1-nano': {
    trainingPer1M: 1.5,
    inputPer1M: 0.2,
    outputPer1M: 0.8,
    source: SOURCE,
    date: '2025-06',
    note: NOTE,
  },
  'gpt-4.1-mini': {
    trainingPer1M: 5,
    inputPer1M: 0.8,
    outputPer1M: 3.2,
    source: SOURCE,
    date: '2025-06',
    note: NOTE,
  },
  'gpt-4.1': {
    trainingPer1M: 25,
    inputPer1M: 3,
    outputPer1M: 12,
    source: SOURCE,
    date: '2025-06',
    note: NOTE,
  },
  'gpt-4o-mini': {
    trainingPer1M: 3,
    inputPer1M: 0.3,
    outputPer1M: 1.2,
    source: `${SOURCE}; cross-checked in PROVIDER-FACTS.md [3rd-party]`,
    date: '2025-06',
    note: NOTE,
  },
  'gpt-4o': {
    trainingPer1M: 25,
    inputPer1M: 3.75,
    outputPer1M: 15,
    source: `${SOURCE}; cross-checked in PROVIDER-FACTS.md [3rd-party]`,
    date: '2025-06',
    note: NOTE,
  },
  'gpt-3.5-turbo': {
    trainingPer1M: 8,
    inputPer1M: 3,
    outputPer1M: 6,
    source: SOURCE,
    date: '2025-06',
    note: NOTE,
  },
};

/** OpenAI picks the epoch count when `n_epochs` is `auto`; for small datasets it is 3 or more. */
export const AUTO_EPOCHS_ASSUMED = 3;
