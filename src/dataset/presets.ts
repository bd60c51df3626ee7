import { PolytuneError } from '../errors.js';
import type { ExampleKind } from './example.js';

/** Common public shapes and the canonical kind each maps to. */
export const PRESETS = {
  /** OpenAI chat fine-tuning JSONL: `{"messages": [...], "tools"?: [...]}`. */
  'openai-chat': 'chat',
  /** OpenAI DPO JSONL (`input`/`preferred_output`/`non_preferred_output`), or `prompt`/`chosen`/`rejected`. */
  preference: 'preference',
  /** Dolly / Alpaca: `instruction` + optional `context`/`input` + `response`/`output`. */
  instruction: 'completion',
  /** `prompt` + `completion`. */
  'prompt-completion': 'completion',
  /** Text + label, e.g. Banking77's `text,category` or `sentence,label`. */
  'text-label': 'classification',
} as const satisfies Record<string, ExampleKind>;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Canonical field → the source names tried, in order, when `--map` does not name one. */
const FIELD_ALIASES: Record<PresetName, Record<string, { aliases: string[]; required: boolean }>> = {
  'openai-chat': {
    messages: { aliases: ['messages'], required: true },
    tools: { aliases: ['tools'], required: false },
  },
  preference: {
    input: { aliases: ['input', 'prompt'], required: true },
    preferred: { aliases: ['preferred_output', 'chosen', 'preferred'], required: true },
    non_preferred: { aliases: ['non_preferred_output', 'rejected', 'non_preferred'], required: true },
  },
  instruction: {
    instruction: { aliases: ['instruction'], required: true },
    context: { aliases: ['context', 'input'], required: false },
    response: { aliases: ['response', 'output'], required: true },
  },
  'prompt-completion': {
    prompt: { aliases: ['prompt'], required: true },
    completion: { aliases: ['completion'], required: true },
  },
  'text-label': {
    text: { aliases: ['text', 'sentence', 'utterance', 'query', 'question'], required: true },
    label: { aliases: ['label', 'category', 'intent', 'class'], required: true },
  },
};

/** Detection order: the most specific shape first. */
const DETECTION_ORDER: PresetName[] = [
  'openai-chat',
  'preference',
  'instruction',
  'prompt-completion',
  'text-label',
];

/** A preset with each canonical field bound to a source field name. */
export interface ResolvedMapping {
  preset: PresetName;
  kind: ExampleKind;
  fields: Record<string, string | undefined>;
}

/** Parses `text=utterance,label=intent` into `{text: 'utterance', label: 'intent'}`. */
export function parseColumnMap(spec: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!spec) return map;
  for (const part of spec.split(',')) {
    const [to, from] = part.split('=').map((s) => s.trim());
    if (!to || !from) {
      throw new PolytuneError('USAGE', `bad column mapping \`${part}\``, {
        hint: 'Write it as canonical=source pairs, e.g. --map text=utterance,label=intent',
      });
    }
    map[to] = from;
  }
  return map;
}

function bind(
  preset: PresetName,
  keys: ReadonlySet<string>,
  map: Record<string, string>,
): ResolvedMapping | undefined {
  const fields: Record<string, string | undefined> = {};
  for (const [field, { aliases, required }] of Object.entries(FIELD_ALIASES[preset])) {
    const source = map[field] ?? aliases.find((a) => keys.has(a));
    if (required && (source === undefined || !keys.has(source))) return undefined;
    fields[field] = source !== undefined && keys.has(source) ? source : undefined;
  }
  return { preset, kind: PRESETS[preset], fields };
}

/**
 * Picks the preset for a dataset from its first record's field names, the
 * user's `--map` and an optional `--kind`/`--preset`.
 */
export function resolveMapping(
  keys: ReadonlySet<string>,
  options: { kind?: ExampleKind; preset?: PresetName; map?: Record<string, string> } = {},
): ResolvedMapping {
  const map = options.map ?? {};
  const candidates = options.preset
    ? [options.preset]
    : DETECTION_ORDER.filter((p) => !options.kind || PRESETS[p] === options.kind);
  for (const preset of candidates) {
    const resolved = bind(preset, keys, map);
    if (resolved) return resolved;
  }
  const wanted = candidates
    .map((p) =>
      Object.entries(FIELD_ALIASES[p])
        .filter(([, f]) => f.required)
        .map(([name]) => name)
        .join('+'),
    )
    .join(' | ');
  throw new PolytuneError(
    'INVALID_INPUT',
    `cannot tell what the records hold: found fields ${[...keys].join(', ') || '(none)'}; expected ${wanted}`,
    {
      hint: 'Name the columns with --map (e.g. --map text=utterance,label=intent) and/or give --kind chat|completion|classification|preference.',
    },
  );
}
