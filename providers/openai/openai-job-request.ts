import type OpenAI from 'openai';
import type { JobSpec } from '../../src/jobs/job-spec.js';

/** The metadata key that carries polytune's job key on the remote job. */
export const KEY_METADATA = 'polytune_key';

type Auto = 'auto' | number;

/** The `POST /fine_tuning/jobs` body for a spec: `method` with its hyperparameters, never the deprecated top-level ones. */
export function buildCreateJobBody(
  spec: JobSpec,
  key: string,
  files: { training: string; validation?: string },
): OpenAI.FineTuning.JobCreateParams {
  const hp = spec.hyperparameters;
  const common: { n_epochs?: Auto; batch_size?: Auto; learning_rate_multiplier?: Auto } = {};
  if (hp.epochs !== undefined) common.n_epochs = hp.epochs;
  if (hp.batchSize !== undefined) common.batch_size = hp.batchSize;
  if (hp.learningRateMultiplier !== undefined) common.learning_rate_multiplier = hp.learningRateMultiplier;
  const method: OpenAI.FineTuning.JobCreateParams.Method =
    spec.method === 'dpo'
      ? {
          type: 'dpo',
          dpo: { hyperparameters: { ...common, ...(hp.beta !== undefined ? { beta: hp.beta } : {}) } },
        }
      : { type: 'supervised', supervised: { hyperparameters: common } };
  const extra = (spec.extra ?? {}) as Partial<OpenAI.FineTuning.JobCreateParams>;
  return {
    ...extra,
    model: spec.baseModel,
    training_file: files.training,
    ...(files.validation ? { validation_file: files.validation } : {}),
    ...(spec.suffix ? { suffix: spec.suffix } : {}),
    ...(hp.seed !== undefined ? { seed: hp.seed } : {}),
    method,
    metadata: { ...(extra.metadata ?? {}), [KEY_METADATA]: key },
  };
}
