import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import { hyperparameterIssues } from './vertex-tuning-job.js';

/**
 * Gemini supervised tuning limits (Gemini 2.5 Flash / Flash-Lite, Vertex AI
 * docs "About supervised fine-tuning"): input + output tokens per example,
 * validation examples, training file size, text examples per dataset.
 */
export const GEMINI_LIMITS = {
  maxTokensPerExample: 131_072,
  maxValidationExamples: 5_000,
  maxFileBytes: 1024 ** 3,
  maxTrainingExamples: 1_000_000,
  recommendedMinExamples: 100,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Provider limits checked before any upload, from the stats `data prepare` stored. */
export function validateForVertex(stats: DatasetStats, spec: JobSpec): Issue[] {
  const issues: Issue[] = [...hyperparameterIssues(spec)];
  const limit = GEMINI_LIMITS.maxTokensPerExample;
  const approx = stats.tokens.approximate
    ? ` (counted with ${stats.tokens.tokenizer}; Gemini's own count differs)`
    : '';

  if (stats.kind === 'preference') {
    issues.push({
      severity: 'error',
      code: 'VERTEX_KIND',
      message:
        'Preference examples cannot be used for Gemini supervised tuning; use chat, completion or classification data.',
    });
  }
  if (stats.examples.train === 0) {
    issues.push({ severity: 'error', code: 'VERTEX_EMPTY', message: 'The training split is empty.' });
  } else if (stats.examples.train < GEMINI_LIMITS.recommendedMinExamples) {
    issues.push({
      severity: 'warning',
      code: 'VERTEX_FEW_EXAMPLES',
      message: `Only ${fmt(stats.examples.train)} training examples; Vertex recommends at least ${GEMINI_LIMITS.recommendedMinExamples} to start.`,
    });
  }
  if (stats.examples.train > GEMINI_LIMITS.maxTrainingExamples) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_TOO_MANY_EXAMPLES',
      message: `${fmt(stats.examples.train)} training examples; Gemini tuning takes at most ${fmt(GEMINI_LIMITS.maxTrainingExamples)}.`,
    });
  }
  if (stats.examples.validation > GEMINI_LIMITS.maxValidationExamples) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_VALIDATION_TOO_LARGE',
      message: `The validation split has ${fmt(stats.examples.validation)} examples; Vertex accepts at most ${fmt(GEMINI_LIMITS.maxValidationExamples)}. Prepare again with a smaller validation fraction.`,
    });
  }
  for (const [split, dist] of [
    ['training', stats.tokens.train],
    ['validation', stats.tokens.validation],
  ] as const) {
    if (!dist || dist.max === 0) continue;
    if (dist.max > limit) {
      issues.push({
        severity: 'error',
        code: 'VERTEX_EXAMPLE_TOO_LONG',
        message: `The longest ${split} example has ${fmt(dist.max)} tokens${approx}; Gemini tuning allows ${fmt(limit)} input + output tokens per example. Shorten or drop it.`,
      });
    } else if (stats.tokens.approximate && dist.max > limit * 0.9) {
      issues.push({
        severity: 'warning',
        code: 'VERTEX_EXAMPLE_NEAR_LIMIT',
        message: `The longest ${split} example has ${fmt(dist.max)} tokens${approx}, within 10% of the ${fmt(limit)}-token limit; Vertex may truncate it.`,
      });
    }
  }
  return issues;
}
