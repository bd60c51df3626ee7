import { modelLabel } from './model-label.js';

/**
 * A model as reports show it: a short display name, and the id the run used
 * (the ref `--model` accepts again), kept for results.json and tooltips.
 */
export interface ModelInfo {
  id: string;
  name: string;
  /** What the user passed (`--model`), when it differs from the id. */
  ref?: string;
  /** The training job it came from: its ledger key. */
  job?: string;
}

/** What a caller knows about a model beyond its id. */
export type ModelHints = Record<string, { name?: string; ref?: string; job?: string }>;

/** A display name: letters, digits, `. _ + -`, at most 40 characters. */
export const MODEL_NAME = /^[A-Za-z0-9][\w.+-]{0,39}$/;

const MAX_DEFAULT = 28;
// A local job's model lives in <work dir>/jobs/<ledger key>/model.
const JOB_DIR = /\/jobs\/([0-9a-f]{12,})\/model\/?$/;

/** The name a model gets when nobody named it: a job's short id, else its ref shortened from the left. */
export function defaultModelName(id: string, job?: string): string {
  const key = job ?? JOB_DIR.exec(id)?.[1];
  if (key) return `job:${key.slice(0, 12)}`;
  if (/(^|:)zero-shot:/.test(id)) return 'zero-shot';
  const label = modelLabel(id);
  if (label.length <= MAX_DEFAULT) return label;
  const at = label.indexOf(':');
  const scheme = at > 0 && at < 12 ? label.slice(0, at + 1) : '';
  return `${scheme}…${label.slice(-(MAX_DEFAULT - scheme.length - 1))}`;
}

/** One ModelInfo per id, names made unique (`name#2`) in the given order. */
export function modelInfos(ids: readonly string[], hints: ModelHints = {}): ModelInfo[] {
  const used = new Set<string>();
  return ids.map((id) => {
    const hint = hints[id] ?? {};
    const wanted = hint.name ?? defaultModelName(id, hint.job);
    let name = wanted;
    for (let i = 2; used.has(name); i++) name = `${wanted}#${i}`;
    used.add(name);
    return {
      id,
      name,
      ...(hint.ref && hint.ref !== id ? { ref: hint.ref } : {}),
      ...(hint.job ? { job: hint.job } : {}),
    };
  });
}

/** Hints from a suite's `models:` map (name → ref), for the ids that are those refs. */
export function suiteModelHints(map: Record<string, string> | undefined, ids: readonly string[]): ModelHints {
  const hints: ModelHints = {};
  for (const [name, ref] of Object.entries(map ?? {})) {
    if (ids.includes(ref)) hints[ref] = { name, ref };
  }
  return hints;
}

/** A lookup from id to display name, falling back to the default for an id not listed. */
export function nameOf(models: readonly ModelInfo[]): (id: string) => string {
  const names = new Map(models.map((m) => [m.id, m.name]));
  return (id) => names.get(id) ?? defaultModelName(id);
}
