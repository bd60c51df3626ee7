import type { Method } from '../../src/jobs/job-spec.js';

/**
 * Which OpenAI base models can be fine-tuned, by which methods, until when.
 * Data, not code: OpenAI publishes no API for it, so each entry names the page
 * it was read from and the date. Users override entries in config
 * (`providers.openai.calendar`) when OpenAI changes its plans.
 *
 * `newJobsUntil`: the last day new fine-tuning jobs are accepted.
 * `shutdownAt`: the day the base model and the fine-tunes built on it stop serving.
 * `sourcing`: `official` when read on OpenAI's own page (or an archived copy of it),
 * `third-party` when only others reported it (verify before relying on it).
 */
export interface CalendarEntry {
  /** The snapshot id; `aliases` are the names users also type (`gpt-4o-mini`). */
  id: string;
  aliases?: string[];
  methods: Method[];
  newJobsUntil?: string;
  shutdownAt?: string;
  source: string;
  /** When the source was read (YYYY-MM-DD). */
  date: string;
  sourcing: 'official' | 'third-party' | 'config';
  notes?: string;
}

const DEPRECATIONS = 'https://developers.openai.com/api/docs/deprecations';
// Self-serve wind-down, announced 2026-05-07 on the deprecations page ("Update to OpenAI's self-serve
// fine-tuning"). The 2027-01-06 end of new jobs is quoted from that section by the translated copy
// https://www.w3cschool.cn/openai_api/openai_api-reference-resources-fine-tuning.html (updated 2026-11-11)
// and by aihola.com / techscurrent.com; the official excerpt we could read stops before the date.
const WIND_DOWN_END = '2027-01-06';
const WIND_DOWN_NOTE =
  'self-serve fine-tuning winds down (announced 2026-05-07): no new jobs after 2027-01-06 (end date quoted by third parties from the deprecations page)';
// "2026-10-14: GPT-4 series deprecation": gpt-4o, gpt-4o-mini, gpt-4.1, gpt-4.1-mini and their fine-tunes
// shut down 2027-01-14 (deprecations page, read 2026-12-06 through its zh-Hans rendering
// https://www.w3cschool.cn/openai_api/openai_api-docs-deprecations.html).
const GPT4_SHUTDOWN = '2027-01-14';
const READ = '2026-12-06';
const SFT_DPO: Method[] = ['sft', 'dpo'];

export const OPENAI_MODEL_CALENDAR: CalendarEntry[] = [
  {
    id: 'gpt-4.1-2025-04-14',
    aliases: ['gpt-4.1'],
    methods: SFT_DPO,
    newJobsUntil: WIND_DOWN_END,
    shutdownAt: GPT4_SHUTDOWN,
    source: DEPRECATIONS,
    date: READ,
    sourcing: 'official',
    notes: WIND_DOWN_NOTE,
  },
  {
    id: 'gpt-4.1-mini-2025-04-14',
    aliases: ['gpt-4.1-mini'],
    methods: SFT_DPO,
    newJobsUntil: WIND_DOWN_END,
    shutdownAt: GPT4_SHUTDOWN,
    source: DEPRECATIONS,
    date: READ,
    sourcing: 'official',
    notes: WIND_DOWN_NOTE,
  },
  {
    id: 'gpt-4o-2024-08-06',
    aliases: ['gpt-4o'],
    methods: SFT_DPO,
    newJobsUntil: WIND_DOWN_END,
    shutdownAt: GPT4_SHUTDOWN,
    source: DEPRECATIONS,
    date: READ,
    sourcing: 'official',
    notes: WIND_DOWN_NOTE,
  },
  {
    id: 'gpt-4o-mini-2024-07-18',
    aliases: ['gpt-4o-mini'],
    methods: SFT_DPO,
    newJobsUntil: WIND_DOWN_END,
    shutdownAt: GPT4_SHUTDOWN,
    source: DEPRECATIONS,
    date: READ,
    sourcing: 'official',
    notes: WIND_DOWN_NOTE,
  },
  {
    id: 'gpt-4.1-nano-2025-04-14',
    aliases: ['gpt-4.1-nano'],
    methods: SFT_DPO,
    shutdownAt: '2026-10-23',
    source: 'https://aihola.com/article/openai-ends-fine-tuning-2027 (quoting the deprecations page)',
    date: READ,
    sourcing: 'third-party',
  },
  {
    // "2026-04-22: Legacy GPT model snapshots" on the deprecations page, read in the archived
    // deprecations.md at https://spybara.com/openai/api/history/docs/en/2026-04-22-0555..2026-04-23-0556/
    id: 'gpt-3.5-turbo-0125',
    aliases: ['gpt-3.5-turbo'],
    methods: ['sft'],
    shutdownAt: '2026-10-23',
    source: DEPRECATIONS,
    date: READ,
    sourcing: 'official',
  },
  {
    // Reinforcement fine-tuning ran on o4-mini-2025-04-16 only (billing guide:
    // https://help.openai.com/en/articles/11323177-billing-guide-for-the-reinforcement-fine-tuning-api).
    id: 'o4-mini-2025-04-16',
    aliases: ['o4-mini'],
    methods: ['reinforcement'],
    shutdownAt: '2026-10-23',
    source: 'issue 12 / PROVIDER-FACTS.md, quoting the deprecations page through third parties',
    date: READ,
    sourcing: 'third-party',
  },
];
