import type { PriceTable } from '../../src/cost/cost-estimate.js';

const SOURCE = 'https://cloud.google.com/vertex-ai/generative-ai/pricing';
// Written from memory of the page on this date, not read from it (no network in this build).
const DATE = '2026-11-29, unverified';
const NOTE =
  'Not re-read from the page in this build (no network): check the page and override `vertex.prices` before relying on it.';

/**
 * Gemini supervised tuning and serving prices, USD per 1M tokens. Tuning is
 * billed on training tokens × epochs; a tuned model is served at its base
 * model's price. Data, not code: `vertex.prices` in polytune.config overrides
 * any entry. Keys match the longest prefix of a model id.
 */
export const VERTEX_PRICES: PriceTable = {
  'gemini-2.5-pro': {
    trainingPer1M: 25,
    inputPer1M: 1.25,
    outputPer1M: 10,
    source: SOURCE,
    date: DATE,
    note: NOTE,
  },
  'gemini-2.5-flash': {
    trainingPer1M: 5,
    inputPer1M: 0.3,
    outputPer1M: 2.5,
    source: SOURCE,
    date: DATE,
    note: NOTE,
  },
  'gemini-2.5-flash-lite': {
    trainingPer1M: 1.5,
    inputPer1M: 0.1,
    outputPer1M: 0.4,
    source: SOURCE,
    date: DATE,
    note: NOTE,
  },
  'gemini-2.0-flash': {
    trainingPer1M: 3,
    inputPer1M: 0.15,
    outputPer1M: 0.6,
    source: SOURCE,
    date: DATE,
    note: NOTE,
  },
  'gemini-2.0-flash-lite': {
    trainingPer1M: 1,
    inputPer1M: 0.075,
    outputPer1M: 0.3,
    source: SOURCE,
    date: DATE,
    note: NOTE,
  },
};
