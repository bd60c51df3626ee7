import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import type { Issue } from '../../../src/provider.js';
import { type ParsedLocalOnnxSettings, parseExtra } from '../local-onnx-options.js';
import { LoraConfigSchema } from './lora-config.js';

/** Plan checks for LoRA on a causal-LM export: SFT on chat or completion data. */
export function validateCausalLmJob(stats: DatasetStats, spec: JobSpec): Issue[] {
  const issues: Issue[] = [];
  if (spec.method !== 'sft' || (stats.kind !== 'chat' && stats.kind !== 'completion')) {
    issues.push({
      severity: 'error',
      code: 'LOCAL_CAUSAL_LM_SFT_ONLY',
      message: `A causal-LM base takes supervised fine-tuning (--method sft) on chat or completion data; this job is ${spec.method} on ${stats.kind} data.`,
    });
  }
  for (const name of ['beta', 'learningRateMultiplier'] as const) {
    if (spec.hyperparameters?.[name] !== undefined) {
      issues.push({
        severity: 'warning',
        code: 'IGNORED_HYPERPARAMETER',
        message: `local-onnx ignores ${name} for LoRA (it takes learningRate).`,
      });
    }
  }
  return issues;
}

/** LoRA defaults, then the spec's hyperparameters, then `extra` (rank, alpha, targets, warmupSteps, …). */
export function causalLmConfigFor(spec: JobSpec, settings: ParsedLocalOnnxSettings): Record<string, unknown> {
  const h = spec.hyperparameters ?? {};
  const fromSpec: Record<string, unknown> = {};
  if (h.epochs !== undefined) fromSpec.epochs = h.epochs;
  if (h.learningRate !== undefined) fromSpec.learningRate = h.learningRate;
  if (h.batchSize !== undefined) fromSpec.batchSize = h.batchSize;
  if (h.seed !== undefined) fromSpec.seed = h.seed;
  if (h.loraRank !== undefined) fromSpec.rank = h.loraRank;
  if (h.loraAlpha !== undefined) fromSpec.alpha = h.loraAlpha;
  const extra = parseExtra(
    LoraConfigSchema.partial().strict(),
    spec.extra,
    'rank, alpha, targets (lm_head, mlp), learningRate, epochs, batchSize, warmupSteps, patience, stopOnExactMatch, seed, device',
  );
  const given = Object.fromEntries(Object.entries(extra).filter(([k]) => k in (spec.extra ?? {})));
  return { kind: 'causal-lm', ...LoraConfigSchema.parse({ device: settings.device, ...fromSpec, ...given }) };
}
