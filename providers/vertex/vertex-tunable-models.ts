import type { Method } from '../../src/jobs/job-spec.js';
import type { TunableModel } from '../../src/provider.js';

/**
 * The Gemini models Vertex AI tunes, with their adapter sizes, tuning regions,
 * serving endpoints and limits. Data, not code: each entry names the page it
 * was read from and when. Where the stored copy of Google's docs (the search
 * corpus, read 2026-12-06) was older than the page issue 12 quotes (updated
 * 2026-09-25), the entry says which facts come from the issue only.
 */
export interface TunableGemini {
  id: string;
  methods: readonly Method[];
  /** LoRA ranks Vertex accepts as `adapterSize`. */
  adapterSizes: readonly number[];
  /** Regions a tuning job may run in; undefined = every supervised-tuning region. */
  tuningRegions?: readonly string[];
  /** Tuned models are served only from these multi-region endpoints (`us`, `eu`). */
  servingMultiRegions?: readonly ('us' | 'eu')[];
  maxTrainingExamples: number;
  /** Input + output tokens per training example. */
  maxTokensPerExample: number;
  maxValidationExamples: number;
  /** Validation may be at most this share of the training examples. */
  maxValidationShare: number;
  source: string;
  date: string;
  /** What in this entry is not confirmed by the stored source. */
  unverified?: string;
}

// Lists the tunable models (3.5 Flash-Lite, 3.5 Flash, 3.1 Flash-Lite, 2.5 Pro, …), read 2026-12-06.
const TUNING_API =
  'https://docs.cloud.google.com/gemini-enterprise-agent-platform/reference/models/tuning.md.txt';
// Gemini 2.5 Flash limits: 131,072 tokens, 5,000 validation examples, adapter sizes 1, 2, 4, 8, 16.
const SFT_LIMITS = 'https://cloud.google.com/vertex-ai/generative-ai/docs/models/tune-text-models-supervised';
// Preference data: "The sum of maximum input and maximum completion token counts must be <= 128K".
export const PREFERENCE_FORMAT =
  'https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-preference-tuning-prepare';
// Hostnames of the `us` and `eu` multi-region endpoints; "designed exclusively for the Gemini 3 family".
export const MULTI_REGION_SOURCE =
  'https://docs.cloud.google.com/gemini-enterprise-agent-platform/resources/locations.md.txt';
const ISSUE = 'issue 12, quoting the supervised-tuning page updated 2026-09-25';
const READ = '2026-12-06';

// The stored preference-tuning pages do not list the models; the discovery document has the spec.
const PREFERENCE_UNVERIFIED = 'unverified: which models take preference tuning (dpo)';

const TEN_MILLION = 10_000_000;
const GEMINI_3: Omit<TunableGemini, 'id' | 'source' | 'unverified'> = {
  methods: ['sft', 'dpo'],
  adapterSizes: [1, 2, 4, 8, 16],
  tuningRegions: ['us-central1', 'europe-west4'],
  servingMultiRegions: ['us', 'eu'],
  maxTrainingExamples: TEN_MILLION,
  maxTokensPerExample: 131_072,
  maxValidationExamples: 5_000,
  maxValidationShare: 0.3,
  date: READ,
};
const GEMINI_3_UNVERIFIED = `tuning regions, adapter sizes, 10M examples and the 30% validation share are from ${ISSUE}; the stored page names the model but its limits table was not readable`;

export const TUNABLE_GEMINI: readonly TunableGemini[] = [
  { ...GEMINI_3, id: 'gemini-3.5-flash', source: TUNING_API, unverified: GEMINI_3_UNVERIFIED },
  {
    ...GEMINI_3,
    id: 'gemini-3.5-flash-lite',
    source: TUNING_API,
    unverified: `listed by the stored tuning API page, not by ${ISSUE}; ${GEMINI_3_UNVERIFIED}`,
  },
  { ...GEMINI_3, id: 'gemini-3.1-flash-lite', source: TUNING_API, unverified: GEMINI_3_UNVERIFIED },
  {
    id: 'gemini-2.5-pro',
    methods: ['sft', 'dpo'],
    adapterSizes: [1, 2, 4, 8],
    maxTrainingExamples: TEN_MILLION,
    maxTokensPerExample: 131_072,
    maxValidationExamples: 5_000,
    maxValidationShare: 0.3,
    source: TUNING_API,
    date: READ,
    unverified: `adapter sizes 1-8, 10M examples and the 30% validation share are from ${ISSUE}`,
  },
  ...(['gemini-2.5-flash', 'gemini-2.5-flash-lite'] as const).map(
    (id): TunableGemini => ({
      id,
      methods: ['sft', 'dpo'],
      adapterSizes: [1, 2, 4, 8, 16],
      maxTrainingExamples: TEN_MILLION,
      maxTokensPerExample: 131_072,
      maxValidationExamples: 5_000,
      maxValidationShare: 0.3,
      source: SFT_LIMITS,
      date: READ,
      unverified: `the stored page says 1M text examples; 10M and the 30% validation share are from ${ISSUE}`,
    }),
  ),
];

/** A model added or changed in config (`vertex.tunableModels`), when Google changes its list before polytune does. */
export type TunableGeminiOverride = Partial<Omit<TunableGemini, 'id' | 'source' | 'date'>> & {
  source?: string;
  date?: string;
};

/** The shipped table with config entries merged over it by id; a new id starts from the 2.5 Flash limits. */
export function tunableTable(
  overrides: Record<string, TunableGeminiOverride> = {},
): readonly TunableGemini[] {
  if (Object.keys(overrides).length === 0) return TUNABLE_GEMINI;
  const base = TUNABLE_GEMINI.find((m) => m.id === 'gemini-2.5-flash') as TunableGemini;
  const merged = new Map(TUNABLE_GEMINI.map((m) => [m.id, m]));
  for (const [id, override] of Object.entries(overrides)) {
    const { unverified: _unverified, ...known } = merged.get(id) ?? base;
    merged.set(id, { ...known, source: 'user config', date: 'user config', ...override, id });
  }
  return [...merged.values()];
}

/** `gemini-2.5-flash-001`, `publishers/google/models/gemini-2.5-flash` → its table entry. */
export function tunableGemini(
  baseModel: string,
  table: readonly TunableGemini[] = TUNABLE_GEMINI,
): TunableGemini | undefined {
  const id = baseModel.split('/').pop() ?? baseModel;
  return table.find((m) => id === m.id || id.startsWith(`${m.id}-0`));
}

/** True for base models whose tuned models Vertex serves only from `us`/`eu` (Gemini 3 and later). */
export function servedFromMultiRegion(
  baseModel: string,
  table: readonly TunableGemini[] = TUNABLE_GEMINI,
): boolean {
  return (tunableGemini(baseModel, table)?.servingMultiRegions?.length ?? 0) > 0;
}

/** The multi-region (`us`/`eu`) that serves a tuned model of a job that ran in `location`. */
export function multiRegionFor(location: string): 'us' | 'eu' {
  return location.startsWith('europe-') ? 'eu' : 'us';
}

/** The table as `polytune models --provider vertex` shows it. */
export function tunableModelList(table: readonly TunableGemini[] = TUNABLE_GEMINI): TunableModel[] {
  return table.map((m) => {
    const notes = [
      `adapter sizes ${m.adapterSizes.join(', ')}`,
      m.tuningRegions ? `tuning in ${m.tuningRegions.join(', ')}` : 'tuning in the supervised-tuning regions',
      m.servingMultiRegions
        ? `served from the ${m.servingMultiRegions.join('/')} multi-region endpoints`
        : '',
      m.unverified ? `unverified: ${m.unverified}` : '',
      PREFERENCE_UNVERIFIED,
    ].filter(Boolean);
    const source = m.source === 'user config' ? 'config' : 'table';
    return {
      id: m.id,
      methods: m.methods,
      source,
      ...(source === 'table' ? { sourceUrl: m.source } : {}),
      date: m.date,
      notes: notes.join('; '),
    };
  });
}
