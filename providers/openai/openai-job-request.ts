import type OpenAI from 'openai';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { hyperparametersForApi } from './openai-hyperparameters.js';

/** The metadata key that carries polytune's job key on the remote job. */
export const KEY_METADATA = 'polytune_key';

type Method = OpenAI.FineTuning.JobCreateParams.Method;
type Grader = OpenAI.FineTuning.ReinforcementMethod['grader'];

/** polytune's hyperparameter vocabulary in OpenAI's names, then `--hyperparameter` values on top. */
function methodHyperparameters(spec: JobSpec): Record<string, string | number> {
  const hp = spec.hyperparameters;
  const out: Record<string, string | number> = {};
  if (hp.epochs !== undefined) out.n_epochs = hp.epochs;
  if (hp.batchSize !== undefined) out.batch_size = hp.batchSize;
  if (hp.learningRateMultiplier !== undefined) out.learning_rate_multiplier = hp.learningRateMultiplier;
  if (spec.method === 'dpo' && hp.beta !== undefined) out.beta = hp.beta;
  return { ...out, ...hyperparametersForApi(spec.providerHyperparameters) };
}

/**
 * `method` for a spec. Reinforcement takes its grader from `spec.extra.grader`
 * (a grader object as the API describes it: string_check, text_similarity,
 * python, score_model or multi); validation refuses a reinforcement spec without one.
 */
export function methodFor(spec: JobSpec): Method {
  const hyperparameters = methodHyperparameters(spec);
  if (spec.method === 'dpo') return { type: 'dpo', dpo: { hyperparameters } };
  if (spec.method === 'reinforcement') {
    const grader = spec.extra?.grader as Grader;
    return { type: 'reinforcement', reinforcement: { grader, hyperparameters } };
  }
  return { type: 'supervised', supervised: { hyperparameters } };
}

/** The `POST /fine_tuning/jobs` body for a spec: `method` with its hyperparameters, never the deprecated top-level ones. */
export function buildCreateJobBody(
  spec: JobSpec,
  key: string,
  files: { training: string; validation?: string },
): OpenAI.FineTuning.JobCreateParams {
  // `grader` travels inside `method`; every other `extra` key is a request field passed through.
  const { grader: _grader, ...extra } = (spec.extra ?? {}) as Partial<OpenAI.FineTuning.JobCreateParams> & {
    grader?: unknown;
  };
  return {
    ...extra,
    model: spec.baseModel,
    training_file: files.training,
    ...(files.validation ? { validation_file: files.validation } : {}),
    ...(spec.suffix ? { suffix: spec.suffix } : {}),
    ...(spec.hyperparameters.seed !== undefined ? { seed: spec.hyperparameters.seed } : {}),
    method: methodFor(spec),
    metadata: { ...(extra.metadata ?? {}), [KEY_METADATA]: key },
  };
}
