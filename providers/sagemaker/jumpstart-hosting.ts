import { PolytuneError } from '../../src/errors.js';
import type { HostingComponent, HubModelDocument, JumpStartModel } from './jumpstart-document.js';
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

/**
 * The document's hosting fields with the top-ranked inference config's
 * components laid over them, as the SageMaker Python SDK applies a config
 * (newer documents, like the recorded llama-2-13b-f one, keep the image and the
 * TGI variables only in their `tgi` component).
 */
export function effectiveHosting(doc: HubModelDocument): HostingComponent & HubModelDocument {
  const top = doc.InferenceConfigRankings?.overall?.Rankings[0];
  const names = (top ? doc.InferenceConfigs?.[top]?.ComponentNames : undefined) ?? [];
  const merged: HostingComponent & HubModelDocument = { ...doc };
  for (const name of names) {
    const component = doc.InferenceConfigComponents?.[name] ?? {};
    for (const [key, value] of Object.entries(component)) {
      if (value !== undefined) Object.assign(merged, { [key]: value });
    }
  }
  return merged;
}

export function planHosting(model: JumpStartModel, instanceType?: string): HostingPlan {
  const doc = effectiveHosting(model.document);
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
      hint: `Its hub document supports: ${doc.SupportedInferenceInstanceTypes?.join(', ') || 'none listed'}.`,
    });
  }
  const environment: Record<string, string> = {};
  for (const variable of doc.InferenceEnvironmentVariables)
    environment[variable.Name] = String(variable.Default);
  Object.assign(environment, variantEnvironment(doc.HostingInstanceTypeVariants, type));
  return {
    image,
    environment,
    networkIsolation: doc.InferenceEnableNetworkIsolation ?? false,
    instanceType: type,
  };
}
