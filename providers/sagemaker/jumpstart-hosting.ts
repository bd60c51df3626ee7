import { PolytuneError } from '../../src/errors.js';
import type { JumpStartModel } from './jumpstart-document.js';
import { variantEnvironment, variantProperty } from './jumpstart-variants.js';

/**
 * How a fine-tuned JumpStart model is served, from its hub document: the
 * hosting image for the instance type, the container's environment (TGI's
 * HF_MODEL_ID, MAX_INPUT_LENGTH, MAX_TOTAL_TOKENS, SM_NUM_GPUS, … as the
 * document gives them, per-instance overrides on top) and network isolation.
 */
export interface HostingPlan {
  image: string;
  environment: Record<string, string>;
  networkIsolation: boolean;
  instanceType: string;
}

export function planHosting(model: JumpStartModel, instanceType?: string): HostingPlan {
  const doc = model.document;
  const ref = `${model.id}@${model.version}`;
  const type = instanceType ?? doc.DefaultInferenceInstanceType;
  if (!type) {
    throw new PolytuneError('INVALID_INPUT', `${ref} names no default inference instance type.`, {
      hint: 'Pass --instance-type to `polytune deploy`.',
    });
  }
  const image = variantProperty(doc.HostingInstanceTypeVariants, type, 'ImageUri') ?? doc.HostingEcrUri;
  if (!image) {
    throw new PolytuneError('UNSUPPORTED', `${ref} has no hosting image for ${type}.`, {
      hint: `Its hub document supports: ${doc.SupportedInferenceInstanceTypes.join(', ') || 'none listed'}.`,
    });
  }
  const environment: Record<string, string> = {};
  for (const variable of doc.InferenceEnvironmentVariables)
    environment[variable.Name] = String(variable.Default);
  Object.assign(environment, variantEnvironment(doc.HostingInstanceTypeVariants, type));
  return { image, environment, networkIsolation: doc.InferenceEnableNetworkIsolation, instanceType: type };
}
