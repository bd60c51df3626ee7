import type { PriceEntry, PriceTable } from '../../src/cost/cost-estimate.js';

/**
 * Gemini tuning and serving prices, USD per 1M tokens. Tuning is billed on
 * training tokens × epochs; a tuned model is served at its base model's price.
 * Google's own pricing page (https://cloud.google.com/vertex-ai/generative-ai/pricing)
 * is not in the stored corpus this build could read, so every figure comes
 * from a third-party copy, named per entry with the date it was read, and
 * says so in its `note`. Data, not code: `vertex.prices` in polytune.config
 * overrides any entry. Keys match the longest prefix of a model id; a model
 * with no entry has no price (unknown, never $0).
 */
const READ = '2026-12-06';
// Gemini 2.5 Pro: $1.25 / $10 per 1M, $2.50 / $15 above 200K prompt tokens; Flash-Lite $0.10 / $0.40.
const REDRESS = 'https://redresscompliance.com/google-cloud-vertex-ai-gemini-negotiation-download';
// Gemini 2.5 Flash: $0.30 / $2.50 per 1M (table "Gemini API Pricing", as of March 2026).
const DEPLOYBASE = 'https://deploybase.ai/articles/vertex-ai-pricing';
const THIRD_PARTY =
  "third-party copy of Google's Vertex AI pricing page; check the page before relying on it";
// Training prices: shared/PROVIDER-FACTS.md, "third-party copies of the pricing page"; no copy was readable here.
const TRAINING_UNVERIFIED = 'training price unverified (no readable copy of the pricing page)';

function entry(
  source: string,
  prices: Omit<PriceEntry, 'source' | 'date' | 'note'>,
  note: string[],
): PriceEntry {
  return { ...prices, source, date: READ, note: [THIRD_PARTY, ...note].join('; ') };
}

export const VERTEX_PRICES: PriceTable = {
  'gemini-2.5-pro': entry(REDRESS, { trainingPer1M: 25, inputPer1M: 1.25, outputPer1M: 10 }, [
    'prompts above 200K tokens are billed $2.50 input / $15 output per 1M (not applied here)',
    TRAINING_UNVERIFIED,
  ]),
  'gemini-2.5-flash': entry(DEPLOYBASE, { trainingPer1M: 5, inputPer1M: 0.3, outputPer1M: 2.5 }, [
    TRAINING_UNVERIFIED,
  ]),
  'gemini-2.5-flash-lite': entry(REDRESS, { trainingPer1M: 1.5, inputPer1M: 0.1, outputPer1M: 0.4 }, [
    TRAINING_UNVERIFIED,
  ]),
};
