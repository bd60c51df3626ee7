import { createHash } from 'node:crypto';

/**
 * SageMaker names are the idempotency handle: the training job name is derived
 * from the job key alone, so a crashed or retried run finds the same job
 * (`DescribeTrainingJob`) without a ledger. Names are never reused by AWS, so
 * the derivation must never change for a given key.
 */
export const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const PREFIX = 'polytune-';
const MAX = 63;

export function trainingJobName(key: string): string {
  const direct = `${PREFIX}${key.toLowerCase()}`;
  if (direct.length <= MAX && NAME_PATTERN.test(direct) && !/[^a-z0-9-]/.test(key.toLowerCase()))
    return direct;
  // Long or oddly shaped keys: a hash keeps the name valid and still a function of the key.
  return `${PREFIX}${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** Model, endpoint config and endpoint share the job's name: one deployment per job. */
export function deploymentNames(jobName: string): {
  modelName: string;
  endpointConfigName: string;
  endpointName: string;
} {
  return { modelName: jobName, endpointConfigName: jobName, endpointName: jobName };
}
