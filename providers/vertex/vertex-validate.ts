import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import { TUNABLE_GEMINI, type TunableGemini, tunableGemini } from './vertex-tunable-models.js';
import { hyperparameterIssues } from './vertex-tuning-job.js';

/** Limits that hold for every Gemini model (Vertex AI docs "About supervised fine-tuning"). */
export const GEMINI_LIMITS = {
  maxFileBytes: 1024 ** 3,
  recommendedMinExamples: 100,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Provider limits checked before any upload, from the stats `data prepare`
 * stored and the table of tunable models: the base model, its adapter sizes,
 * the tuning region, the method and the per-model dataset limits.
 */
export function validateForVertex(
  stats: DatasetStats,
  spec: JobSpec,
  location?: string,
  table: readonly TunableGemini[] = TUNABLE_GEMINI,
): Issue[] {
  const model = tunableGemini(spec.baseModel, table);
  if (!model) return [unknownModel(spec.baseModel, table)];
  return [
    ...hyperparameterIssues(spec),
    ...modelIssues(model, spec, location),
    ...kindIssues(stats, spec),
    ...sizeIssues(stats, model),
    ...tokenIssues(stats, model),
  ];
}

function unknownModel(baseModel: string, table: readonly TunableGemini[]): Issue {
  return {
    severity: 'error',
    code: 'VERTEX_MODEL',
    message: `Vertex AI does not tune ${baseModel}. Tunable: ${table.map((m) => m.id).join(', ')} (\`polytune models --provider vertex\`; add a newer one under \`vertex.tunableModels\`).`,
  };
}

/**
 * The checks that need no dataset (base model, adapter size, region, method),
 * which submit runs again so an API caller that skipped `validate` is refused
 * before any request.
 */
export function refuseUntunable(
  spec: JobSpec,
  location: string,
  table: readonly TunableGemini[] = TUNABLE_GEMINI,
): void {
  const model = tunableGemini(spec.baseModel, table);
  const errors = (model ? modelIssues(model, spec, location) : [unknownModel(spec.baseModel, table)]).filter(
    (i) => i.severity === 'error',
  );
  if (errors.length === 0) return;
  throw new PolytuneError('INVALID_INPUT', errors.map((i) => i.message).join(' '), {
    hint: 'See `polytune models --provider vertex` for the models, adapter sizes and regions Vertex AI tunes.',
  });
}

function modelIssues(model: TunableGemini, spec: JobSpec, location: string | undefined): Issue[] {
  const issues: Issue[] = [];
  const rank = spec.hyperparameters?.loraRank;
  if (rank !== undefined && !model.adapterSizes.includes(rank)) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_ADAPTER_SIZE',
      message: `loraRank ${rank} is not an adapter size of ${model.id}; use one of ${model.adapterSizes.join(', ')}.`,
    });
  }
  if (location && model.tuningRegions && !model.tuningRegions.includes(location)) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_REGION',
      message: `${model.id} is tuned only in ${model.tuningRegions.join(' or ')}, not ${location}. Set \`vertex.location\` to one of them.`,
    });
  }
  if (!model.methods.includes(spec.method)) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_METHOD',
      message: `Vertex AI tunes ${model.id} with ${model.methods.map((m) => `"${m}"`).join(' or ')}, not "${spec.method}".`,
    });
  }
  return issues;
}

function kindIssues(stats: DatasetStats, spec: JobSpec): Issue[] {
  if (spec.method === 'dpo' && stats.kind !== 'preference') {
    return [
      {
        severity: 'error',
        code: 'VERTEX_KIND',
        message: `Preference tuning ("dpo") needs preference examples; this dataset is ${stats.kind}. Use method "sft".`,
      },
    ];
  }
  if (spec.method === 'sft' && stats.kind === 'preference') {
    return [
      {
        severity: 'error',
        code: 'VERTEX_KIND',
        message: 'Preference examples tune with method "dpo" (Vertex preference optimisation), not "sft".',
      },
    ];
  }
  return [];
}

function sizeIssues(stats: DatasetStats, model: TunableGemini): Issue[] {
  const issues: Issue[] = [];
  const { train, validation } = stats.examples;
  if (train === 0) {
    issues.push({ severity: 'error', code: 'VERTEX_EMPTY', message: 'The training split is empty.' });
  } else if (train < GEMINI_LIMITS.recommendedMinExamples) {
    issues.push({
      severity: 'warning',
      code: 'VERTEX_FEW_EXAMPLES',
      message: `Only ${fmt(train)} training examples; Vertex recommends at least ${GEMINI_LIMITS.recommendedMinExamples} to start.`,
    });
  }
  if (train > model.maxTrainingExamples) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_TOO_MANY_EXAMPLES',
      message: `${fmt(train)} training examples; ${model.id} takes at most ${fmt(model.maxTrainingExamples)}.`,
    });
  }
  const maxValidation = Math.min(model.maxValidationExamples, Math.floor(train * model.maxValidationShare));
  if (validation > maxValidation) {
    issues.push({
      severity: 'error',
      code: 'VERTEX_VALIDATION_TOO_LARGE',
      message: `The validation split has ${fmt(validation)} examples; Vertex accepts at most ${fmt(model.maxValidationExamples)} and at most ${Math.round(model.maxValidationShare * 100)}% of training (${fmt(maxValidation)} here). Prepare again with a smaller validation fraction.`,
    });
  }
  return issues;
}

function tokenIssues(stats: DatasetStats, model: TunableGemini): Issue[] {
  const issues: Issue[] = [];
  const limit = model.maxTokensPerExample;
  const approx = stats.tokens.approximate
    ? ` (counted with ${stats.tokens.tokenizer}; Gemini's own count differs)`
    : '';
  for (const [split, dist] of [
    ['training', stats.tokens.train],
    ['validation', stats.tokens.validation],
  ] as const) {
    if (!dist || dist.max === 0) continue;
    if (dist.max > limit) {
      issues.push({
        severity: 'error',
        code: 'VERTEX_EXAMPLE_TOO_LONG',
        message: `The longest ${split} example has ${fmt(dist.max)} tokens${approx}; ${model.id} tuning allows ${fmt(limit)} input + output tokens per example. Shorten or drop it.`,
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
