import { createHash } from 'node:crypto';
import { canonicalJson } from '../dataset/example.js';
import type { PreparedData } from '../dataset/prepared-manifest.js';
import type { JobSpec } from './job-spec.js';

/** The content hashes a job trains on, by role (`train`, `validation`, extra file names). */
export type DatasetHashes = Record<string, string>;

/**
 * The hashes of what the provider will upload: its compiled files when the
 * prepared folder has them, else the canonical splits (backends that train on
 * canonical examples).
 */
export function datasetHashesFor(data: PreparedData, provider: string): DatasetHashes {
  const compiled = data.manifest.compiled[provider];
  if (compiled) {
    const hashes: DatasetHashes = { train: compiled.train.sha256 };
    if (compiled.validation) hashes.validation = compiled.validation.sha256;
    for (const extra of compiled.extra) hashes[extra.file] = extra.sha256;
    return hashes;
  }
  return { train: data.manifest.splits.train.sha256, validation: data.manifest.splits.validation.sha256 };
}

/**
 * The job key: sha256 over the dataset hashes, provider, base model, method,
 * hyperparameters and provider `extra` (which can change what is trained),
 * canonically serialised. The suffix is a display name and is left out, so
 * renaming never starts a second paid job. 32 lowercase hex digits fit every
 * provider's tag rules (OpenAI metadata, Vertex labels, SageMaker names).
 */
export function jobKey(spec: JobSpec, datasetHashes: DatasetHashes): string {
  const material = canonicalJson({
    v: 1,
    data: datasetHashes,
    provider: spec.provider,
    baseModel: spec.baseModel,
    method: spec.method,
    hyperparameters: spec.hyperparameters ?? {},
    // Only when set, so keys of jobs submitted before the field existed do not change.
    ...(spec.providerHyperparameters ? { providerHyperparameters: spec.providerHyperparameters } : {}),
    extra: spec.extra ?? {},
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}
