import type { Method } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';

/**
 * The hyperparameters OpenAI's API lists per method, with their ranges, as the
 * OpenAPI description gives them (`FineTuneSupervisedHyperparameters`,
 * `FineTuneDPOHyperparameters`, `FineTuneReinforcementHyperparameters` in
 * openai/openai-openapi openapi.json @ f85dbe22, 2026-08-21; fixtures/api/openai_openapi.subset.json).
 * Every number may also be `auto`.
 */
type Rule =
  | { kind: 'integer'; min: number; max?: number }
  | { kind: 'number'; above: number; max?: number }
  | { kind: 'enum'; values: string[] };

const COMMON: Record<string, Rule> = {
  batch_size: { kind: 'integer', min: 1, max: 256 },
  learning_rate_multiplier: { kind: 'number', above: 0 },
  n_epochs: { kind: 'integer', min: 1, max: 50 },
};

export const OPENAI_HYPERPARAMETERS: Record<'sft' | 'dpo' | 'reinforcement', Record<string, Rule>> = {
  sft: COMMON,
  dpo: { ...COMMON, beta: { kind: 'number', above: 0, max: 2 } },
  reinforcement: {
    ...COMMON,
    reasoning_effort: { kind: 'enum', values: ['default', 'low', 'medium', 'high'] },
    compute_multiplier: { kind: 'number', above: 0.00001, max: 10 },
    eval_interval: { kind: 'integer', min: 1 },
    eval_samples: { kind: 'integer', min: 1 },
  },
};

function problem(rule: Rule, value: string | number | boolean): string | undefined {
  if (value === 'auto' && rule.kind !== 'enum') return undefined;
  if (rule.kind === 'enum') {
    return rule.values.includes(String(value)) ? undefined : `one of ${rule.values.join(', ')}`;
  }
  const n = typeof value === 'number' ? value : Number(value);
  const range =
    rule.kind === 'integer'
      ? `a whole number from ${rule.min}${rule.max ? ` to ${rule.max}` : ' up'}`
      : `a number above ${rule.above}${rule.max ? ` up to ${rule.max}` : ''}`;
  if (typeof value === 'boolean' || !Number.isFinite(n)) return `${range}, or auto`;
  if (rule.kind === 'integer' && (!Number.isInteger(n) || n < rule.min)) return `${range}, or auto`;
  if (rule.kind === 'number' && n <= rule.above) return `${range}, or auto`;
  if (rule.max !== undefined && n > rule.max) return `${range}, or auto`;
  return undefined;
}

/** Checks `--hyperparameter name=value` pairs against the method's list, before any request. */
export function hyperparameterIssues(
  method: Method,
  values: Record<string, string | number | boolean> = {},
): Issue[] {
  const rules = method === 'classification' ? undefined : OPENAI_HYPERPARAMETERS[method];
  if (!rules) return [];
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(values)) {
    const rule = rules[name];
    if (!rule) {
      issues.push({
        severity: 'error',
        code: 'UNKNOWN_HYPERPARAMETER',
        message: `OpenAI's ${method} method has no hyperparameter \`${name}\`; it takes ${Object.keys(rules).join(', ')}.`,
      });
      continue;
    }
    const expected = problem(rule, value);
    if (expected) {
      issues.push({
        severity: 'error',
        code: 'BAD_HYPERPARAMETER',
        message: `\`${name}\` must be ${expected}; got ${JSON.stringify(value)}.`,
      });
    }
  }
  return issues;
}

/** The values as the API takes them: numbers as numbers, `auto` and enums as strings. */
export function hyperparametersForApi(
  values: Record<string, string | number | boolean> = {},
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(values)) {
    const n = Number(value);
    out[name] =
      typeof value === 'number'
        ? value
        : value !== 'auto' && Number.isFinite(n) && value !== ''
          ? n
          : String(value);
  }
  return out;
}
