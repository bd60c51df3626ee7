import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import { ClassifierConfigSchema } from './fine-tune-classifier.js';
import { givenKeys, type ParsedLocalOnnxSettings, parseExtra } from './local-onnx-options.js';

/** Plan checks for a classifier job (the embedded GloVe base or a classifier base folder). */
export function validateClassifierJob(stats: DatasetStats, spec: JobSpec): Issue[] {
  const issues: Issue[] = [];
  if (spec.method !== 'classification' || stats.kind !== 'classification') {
    issues.push({
      severity: 'error',
      code: 'LOCAL_CLASSIFICATION_ONLY',
      message: `This base trains classifiers; this job is ${spec.method} on ${stats.kind} data. Use --method classification with {text, label} examples, --base-model <an Optimum causal-LM export> for chat or completion data, or a cloud provider.`,
    });
  }
  if (stats.labels && Object.keys(stats.labels).length < 2) {
    issues.push({
      severity: 'error',
      code: 'TOO_FEW_LABELS',
      message: 'A classifier needs at least 2 labels.',
    });
  }
  for (const name of ['loraRank', 'loraAlpha', 'beta', 'learningRateMultiplier'] as const) {
    if (spec.hyperparameters?.[name] !== undefined) {
      issues.push({
        severity: 'warning',
        code: 'IGNORED_HYPERPARAMETER',
        message: `local-onnx ignores ${name} (it trains a classification head).`,
      });
    }
  }
  return issues;
}

/** Settings defaults, then the spec's hyperparameters, then `extra`. */
export function classifierConfigFor(
  spec: JobSpec,
  settings: ParsedLocalOnnxSettings,
  rawSettings: unknown,
): Record<string, unknown> {
  const h = spec.hyperparameters ?? {};
  const fromSpec: Record<string, unknown> = {};
  if (h.epochs !== undefined) fromSpec.epochs = h.epochs;
  if (h.learningRate !== undefined) fromSpec.learningRate = h.learningRate;
  if (h.batchSize !== undefined) fromSpec.batchSize = h.batchSize;
  if (h.seed !== undefined) fromSpec.seed = h.seed;
  const extra = parseExtra(
    ClassifierConfigSchema.partial(),
    spec.extra,
    'hidden, epochs, batchSize, learningRate, weightDecay, patience, seed, addWords, wordCounts, device',
  );
  const settingsTraining = (rawSettings as { training?: unknown } | undefined)?.training;
  return {
    kind: 'classifier',
    ...ClassifierConfigSchema.parse({
      device: settings.device,
      ...givenKeys(settingsTraining, settings.training),
      ...fromSpec,
      ...givenKeys(spec.extra, extra),
    }),
  };
}
