import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import { type CalendarMode, calendarIssues } from './openai-calendar.js';
import { hyperparameterIssues } from './openai-hyperparameters.js';
import type { CalendarEntry } from './openai-model-calendar.js';

export const OPENAI_MIN_EXAMPLES = 10;
/** Per-example context limit documented for gpt-4o(-mini) fine-tuning (Azure docs); the most common base models. */
export const OPENAI_MAX_TOKENS_PER_EXAMPLE = 65_536;

/** What validation needs beyond the data: the calendar, today's date (ms) and how strictly the calendar applies. */
export interface OpenAIValidationContext {
  calendar: CalendarEntry[];
  today: number;
  calendarMode: CalendarMode;
}

/**
 * OpenAI's model calendar, limits and hyperparameters, checked before any
 * request (submitJob validates before it looks for or creates anything).
 */
export function validateForOpenAI(
  stats: DatasetStats,
  spec: JobSpec,
  context: OpenAIValidationContext,
): Issue[] {
  const issues: Issue[] = [
    ...calendarIssues(context.calendar, spec.baseModel, spec.method, context.today, context.calendarMode),
    ...hyperparameterIssues(spec.method, spec.providerHyperparameters),
  ];
  const error = (code: string, message: string) => issues.push({ severity: 'error', code, message });
  const warn = (code: string, message: string) => issues.push({ severity: 'warning', code, message });
  if (spec.method === 'classification') {
    error(
      'UNSUPPORTED_METHOD',
      'OpenAI has no classification method; train classification data with `sft` (labels as assistant replies).',
    );
  }
  if (spec.method === 'dpo' && stats.kind !== 'preference') {
    error('KIND_MISMATCH', `DPO needs preference examples; this dataset holds ${stats.kind} examples.`);
  }
  if (spec.method === 'reinforcement' && !isGrader(spec.extra?.grader)) {
    error(
      'GRADER_REQUIRED',
      'Reinforcement fine-tuning needs a grader: pass it as `extra.grader` (an OpenAI grader object such as {"type":"string_check",…}); from the CLI, `tune --grader <file.json>`.',
    );
  }
  if (spec.method === 'sft' && stats.kind === 'preference') {
    error('KIND_MISMATCH', 'Preference examples train with `--method dpo`, not sft.');
  }
  if (stats.examples.train < OPENAI_MIN_EXAMPLES) {
    error(
      'TOO_FEW_EXAMPLES',
      `OpenAI needs at least ${OPENAI_MIN_EXAMPLES} training examples; this dataset has ${stats.examples.train}.`,
    );
  } else if (stats.examples.train < 50) {
    warn(
      'FEW_EXAMPLES',
      `${stats.examples.train} training examples; OpenAI recommends 50–100 to see an improvement.`,
    );
  }
  if (stats.tokens.train.max > OPENAI_MAX_TOKENS_PER_EXAMPLE) {
    error(
      'EXAMPLE_TOO_LONG',
      `The longest training example has ${stats.tokens.train.max} tokens; OpenAI's limit is ${OPENAI_MAX_TOKENS_PER_EXAMPLE} for gpt-4o-class models (longer examples are truncated or rejected).`,
    );
  }
  const hp = spec.hyperparameters;
  if (hp.learningRate !== undefined) {
    warn(
      'IGNORED_HYPERPARAMETER',
      'OpenAI takes a learning-rate multiplier, not an absolute learning rate; `learningRate` is ignored (use --lr-multiplier).',
    );
  }
  if (hp.loraRank !== undefined || hp.loraAlpha !== undefined) {
    warn('IGNORED_HYPERPARAMETER', 'OpenAI does not expose LoRA rank/alpha; they are ignored.');
  }
  if (hp.beta !== undefined && spec.method !== 'dpo')
    warn('IGNORED_HYPERPARAMETER', '`beta` applies to DPO only; ignored.');
  if (hp.epochs !== undefined && hp.epochs > 50) error('OUT_OF_RANGE', 'OpenAI allows 1–50 epochs.');
  if (hp.batchSize !== undefined && hp.batchSize > 256)
    error('OUT_OF_RANGE', 'OpenAI allows a batch size of 1–256.');
  if (stats.tokens.approximate)
    warn(
      'APPROXIMATE_TOKENS',
      `Token counts use ${stats.tokens.tokenizer} and are approximate; the estimate may be off.`,
    );
  return issues;
}

function isGrader(value: unknown): boolean {
  return !!value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

/** Throws on error-level issues: the provider's own submit checks before any request, as submitJob does. */
export function refuseInvalid(issues: Issue[]): void {
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return;
  throw new PolytuneError(
    'INVALID_INPUT',
    `OpenAI would refuse this job: ${errors.map((i) => `${i.code}: ${i.message}`).join('; ')}`,
    {
      hint: 'Run `polytune tune … --dry-run` to see every issue.',
    },
  );
}
