import type { InstanceTypeVariants } from './jumpstart-document.js';

/**
 * Per-instance overrides in a hub document: the exact instance type first
 * (`ml.g5.12xlarge`), then its family (`g5`), as the SageMaker Python SDK's
 * `JumpStartInstanceTypeVariants._get_regional_property` looks them up
 * (sagemaker-core/src/sagemaker/core/jumpstart/types.py; hub URIs are already regional).
 */
type Property = 'ImageUri' | 'GatedModelEnvVarUri' | 'TrainingArtifactUri';

/** `ml.g5.12xlarge` → `g5` (the SDK's `get_instance_type_family` regex). */
export function instanceFamily(instanceType: string): string | undefined {
  return /^ml[._]([a-z\d-]+)\.?\w*$/.exec(instanceType)?.[1];
}

export function variantProperty(
  variants: InstanceTypeVariants | undefined,
  instanceType: string,
  property: Property,
): string | undefined {
  const all = variants?.Variants ?? {};
  const exact = all[instanceType]?.Properties?.[property];
  if (exact) return exact;
  const family = instanceFamily(instanceType);
  return family ? all[family]?.Properties?.[property] || undefined : undefined;
}

/** Environment overrides for one instance type (family first, the exact type wins). */
export function variantEnvironment(
  variants: InstanceTypeVariants | undefined,
  instanceType: string,
): Record<string, string> {
  const all = variants?.Variants ?? {};
  const family = instanceFamily(instanceType);
  return {
    ...(family ? all[family]?.Properties?.EnvironmentVariables : {}),
    ...all[instanceType]?.Properties?.EnvironmentVariables,
  };
}

/** Hyperparameter defaults for one instance type (family first, the exact type wins), as strings. */
export function variantHyperparameterDefaults(
  variants: InstanceTypeVariants | undefined,
  instanceType: string,
): Record<string, string | number | boolean> {
  const all = variants?.Variants ?? {};
  const family = instanceFamily(instanceType);
  const out: Record<string, string | number | boolean> = {};
  for (const key of [family, instanceType]) {
    for (const h of (key ? all[key]?.Properties?.Hyperparameters : undefined) ?? []) {
      if (h.default !== undefined) out[h.name] = h.default;
    }
  }
  return out;
}

/** The families that have `property`, to name in a hint. */
export function familiesWith(variants: InstanceTypeVariants | undefined, property: Property): string[] {
  return Object.entries(variants?.Variants ?? {})
    .filter(([, v]) => v.Properties?.[property])
    .map(([name]) => name);
}
