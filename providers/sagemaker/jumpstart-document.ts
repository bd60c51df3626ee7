import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';

/**
 * The fields polytune reads from a JumpStart `HubContentDocument` (the JSON
 * string `DescribeHubContent` returns for a model in `SageMakerPublicHub`).
 * Names as the SageMaker Python SDK reads them: `HubModelDocument` in
 * sagemaker-core/src/sagemaker/core/jumpstart/hub/interfaces.py and
 * `JumpStartHyperparameter` / `JumpStartInstanceTypeVariants` in
 * sagemaker-core/src/sagemaker/core/jumpstart/types.py
 * (aws/sagemaker-python-sdk a24812666d258d9d19c9a82d0c9385ca0bd3ba01, read 2026-12-06).
 * Every other field is ignored, so a new field in the hub breaks nothing.
 */

/** One entry of `Hyperparameters`: `Type` is `int`, `float`, `text` or `bool`. */
export const HubHyperparameterSchema = z.object({
  Name: z.string(),
  Type: z.string(),
  Default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  Options: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  Min: z.number().optional(),
  Max: z.number().optional(),
  /** `algorithm` (the script's own) or `container` (sagemaker_program, …). */
  Scope: z.string().optional(),
});
export type HubHyperparameter = z.infer<typeof HubHyperparameterSchema>;

/** An instance-type or instance-family variant (`g5`, `ml.g5.12xlarge`); hub URIs are already regional. */
const VariantPropertiesSchema = z.object({
  ImageUri: z.string().optional(),
  /** The gated weights for this family (the SDK's `gated_model_env_var_uri`). */
  GatedModelEnvVarUri: z.string().optional(),
  TrainingArtifactUri: z.string().optional(),
  ArtifactKey: z.string().optional(),
  EnvironmentVariables: z.record(z.string(), z.string()).optional(),
  /** Per-instance defaults (lower-case keys here, as recorded: `ml.g4dn.12xlarge` turns int8 on). */
  Hyperparameters: z
    .array(z.object({ name: z.string(), default: z.union([z.string(), z.number(), z.boolean()]).optional() }))
    .optional(),
});
export const InstanceTypeVariantsSchema = z.object({
  Variants: z.record(z.string(), z.object({ Properties: VariantPropertiesSchema.optional() })).default({}),
});
export type InstanceTypeVariants = z.infer<typeof InstanceTypeVariantsSchema>;

const EnvironmentVariableSchema = z.object({
  Name: z.string(),
  Type: z.string().optional(),
  Default: z.union([z.string(), z.number(), z.boolean()]),
  Scope: z.string().optional(),
});

/** The hosting fields an inference config component may set (they override the document's). */
const HostingComponentSchema = z.object({
  HostingEcrUri: z.string().optional(),
  HostingInstanceTypeVariants: InstanceTypeVariantsSchema.optional(),
  InferenceEnvironmentVariables: z.array(EnvironmentVariableSchema).optional(),
  DefaultInferenceInstanceType: z.string().optional(),
  SupportedInferenceInstanceTypes: z.array(z.string()).optional(),
  InferenceEnableNetworkIsolation: z.boolean().optional(),
});
export type HostingComponent = z.infer<typeof HostingComponentSchema>;

export const HubModelDocumentSchema = z.object({
  TrainingSupported: z.boolean().default(false),
  TrainingEcrUri: z.string().optional(),
  TrainingArtifactUri: z.string().optional(),
  TrainingArtifactCompressionType: z.string().optional(),
  TrainingScriptUri: z.string().optional(),
  TrainingPrepackedScriptUri: z.string().optional(),
  TrainingInstanceTypeVariants: InstanceTypeVariantsSchema.optional(),
  TrainingMetrics: z.array(z.object({ Name: z.string(), Regex: z.string() })).optional(),
  TrainingVolumeSize: z.number().int().positive().optional(),
  Hyperparameters: z.array(HubHyperparameterSchema).default([]),
  DefaultTrainingInstanceType: z.string().optional(),
  SupportedTrainingInstanceTypes: z.array(z.string()).default([]),
  GatedBucket: z.boolean().default(false),
  HostingEulaUri: z.string().optional(),
  TrainingEnableNetworkIsolation: z.boolean().default(false),
  MaxRuntimeInSeconds: z.number().int().positive().optional(),
  DisableOutputCompression: z.boolean().optional(),
  HostingEcrUri: z.string().optional(),
  InferenceEnvironmentVariables: z.array(EnvironmentVariableSchema).default([]),
  HostingInstanceTypeVariants: InstanceTypeVariantsSchema.optional(),
  DefaultInferenceInstanceType: z.string().optional(),
  SupportedInferenceInstanceTypes: z.array(z.string()).default([]),
  InferenceEnableNetworkIsolation: z.boolean().default(false),
  /** Newer documents keep hosting in ranked inference configs made of components. */
  InferenceConfigRankings: z
    .object({ overall: z.object({ Rankings: z.array(z.string()) }).optional() })
    .optional(),
  InferenceConfigs: z
    .record(z.string(), z.object({ ComponentNames: z.array(z.string()).default([]) }))
    .optional(),
  InferenceConfigComponents: z.record(z.string(), HostingComponentSchema).optional(),
});
export type HubModelDocument = z.infer<typeof HubModelDocumentSchema>;

/** A resolved hub model: id, the exact content version, and its document. */
export interface JumpStartModel {
  id: string;
  version: string;
  /** `HubContentArn`, for provenance in plans. */
  arn?: string;
  /** When the hub content was created (the version's date), ISO. */
  createdAt?: string;
  document: HubModelDocument;
}

/** Parses the `HubContentDocument` string; a malformed one fails with the model and version. */
export function parseHubDocument(text: string, id: string, version: string): HubModelDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolytuneError('PROVIDER', `The hub document of ${id}@${version} is not JSON.`, {
      cause: error,
      isRetryable: false,
    });
  }
  const parsed = HubModelDocumentSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolytuneError(
      'PROVIDER',
      `The hub document of ${id}@${version} has unexpected fields: ${z.prettifyError(parsed.error)}`,
      { isRetryable: false, hint: 'Pin another version with --base-model <id>@<version>.' },
    );
  }
  return parsed.data;
}
