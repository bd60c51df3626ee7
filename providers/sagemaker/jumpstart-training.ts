import type { ExampleKind } from '../../src/dataset/example.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import type { JumpStartModel } from './jumpstart-document.js';
import { familiesWith, variantHyperparameterDefaults, variantProperty } from './jumpstart-variants.js';
import { buildHyperparameters } from './sagemaker-hyperparameters.js';
import type { InputLengthResult } from './sagemaker-input-length.js';

/**
 * Everything a JumpStart fine-tune needs, read from the model's hub document
 * for one instance type: image, weights, scripts, hyperparameters, EULA,
 * network isolation and limits. What the document does not allow becomes an
 * issue here, before anything is uploaded.
 */
export interface TrainingPlan {
  model: JumpStartModel;
  instanceType: string;
  image?: string;
  scriptUri?: string;
  /** Open weights: the `model` channel. Gated weights come through `environment` instead. */
  modelChannel?: { uri: string; compression: 'None' | 'Gzip' };
  environment: Record<string, string>;
  hyperparameters: Record<string, string>;
  metrics: { Name: string; Regex: string }[];
  networkIsolation: boolean;
  maxRuntimeSeconds: number;
  volumeSizeGB: number;
  compressOutput: boolean;
  issues: Issue[];
}

export interface TrainingPlanInput {
  kind: ExampleKind;
  /** Flag or setting; else the document's default. */
  instanceType?: string;
  /** `acceptEula: true` in the provider settings. */
  acceptEula: boolean;
  maxRuntimeSeconds?: number;
  volumeSizeGB?: number;
  inputLength?: InputLengthResult;
}

/** The SDK passes gated weights to the script through this variable (jumpstart/constants.py). */
export const GATED_MODEL_ENV = 'SageMakerGatedModelS3Uri';
const DEFAULT_MAX_RUNTIME = 86_400;
const DEFAULT_VOLUME_GB = 256;

/** Training channels take S3Prefix only (S3DataType in the Smithy model); a prefix that is one key names that object. */
function modelChannel(uri: string, compression?: string): TrainingPlan['modelChannel'] {
  return {
    uri,
    compression: compression === 'None' || (!compression && !uri.endsWith('.tar.gz')) ? 'None' : 'Gzip',
  };
}

export function planTraining(model: JumpStartModel, spec: JobSpec, input: TrainingPlanInput): TrainingPlan {
  const doc = model.document;
  const ref = `${model.id}@${model.version}`;
  const instanceType = input.instanceType ?? doc.DefaultTrainingInstanceType ?? '';
  const hp = buildHyperparameters(
    doc,
    spec,
    input.kind,
    variantHyperparameterDefaults(doc.TrainingInstanceTypeVariants, instanceType),
  );
  const issues: Issue[] = [...hp.issues, ...(input.inputLength?.issues ?? [])];
  const error = (code: string, message: string) => issues.push({ severity: 'error', code, message });
  if (input.inputLength?.value) hp.values.max_input_length = input.inputLength.value;
  if (!doc.TrainingSupported)
    error('NOT_TRAINABLE', `${ref} cannot be fine-tuned (TrainingSupported is false).`);
  if (!instanceType)
    error(
      'NO_INSTANCE_TYPE',
      `${ref} names no default training instance type; set providers.sagemaker.instanceType.`,
    );
  else if (
    doc.SupportedTrainingInstanceTypes.length &&
    !doc.SupportedTrainingInstanceTypes.includes(instanceType)
  ) {
    issues.push({
      severity: 'warning',
      code: 'UNSUPPORTED_INSTANCE',
      message: `${instanceType} is not among the training instance types ${ref} supports (${doc.SupportedTrainingInstanceTypes.join(', ')}).`,
    });
  }
  const variants = doc.TrainingInstanceTypeVariants;
  const image = variantProperty(variants, instanceType, 'ImageUri') ?? doc.TrainingEcrUri;
  if (!image) error('NO_IMAGE', `${ref} has no training image for ${instanceType}.`);
  const scriptUri = doc.TrainingPrepackedScriptUri ?? doc.TrainingScriptUri;
  if (!scriptUri) error('NO_SCRIPT', `${ref} has no training script URI.`);
  const environment: Record<string, string> = {};
  let channel: TrainingPlan['modelChannel'];
  if (doc.GatedBucket) {
    // As the SDK does: gated weights never ride the model channel; the script reads them after EULA acceptance.
    const gated = variantProperty(variants, instanceType, 'GatedModelEnvVarUri');
    if (!gated) {
      error(
        'NO_GATED_WEIGHTS',
        `${ref} has no weights for ${instanceType}; its hub document has them for: ${familiesWith(variants, 'GatedModelEnvVarUri').join(', ') || 'none'}.`,
      );
    } else environment[GATED_MODEL_ENV] = gated;
    if (hp.acceptEula || input.acceptEula) environment.accept_eula = 'true';
    else {
      error(
        'EULA_REQUIRED',
        `${ref} is gated: its end-user licence${doc.HostingEulaUri ? ` (${doc.HostingEulaUri})` : ''} must be accepted. Pass --hyperparameter accept_eula=true, or set providers.sagemaker.acceptEula: true.`,
      );
    }
  } else {
    const uri = variantProperty(variants, instanceType, 'TrainingArtifactUri') ?? doc.TrainingArtifactUri;
    if (uri) channel = modelChannel(uri, doc.TrainingArtifactCompressionType);
    else error('NO_WEIGHTS', `${ref} names no training artifact.`);
  }
  return {
    model,
    instanceType,
    ...(image ? { image } : {}),
    ...(scriptUri ? { scriptUri } : {}),
    ...(channel ? { modelChannel: channel } : {}),
    environment,
    hyperparameters: hp.values,
    metrics: doc.TrainingMetrics ?? [],
    networkIsolation: doc.TrainingEnableNetworkIsolation,
    maxRuntimeSeconds: input.maxRuntimeSeconds ?? doc.MaxRuntimeInSeconds ?? DEFAULT_MAX_RUNTIME,
    volumeSizeGB: input.volumeSizeGB ?? doc.TrainingVolumeSize ?? DEFAULT_VOLUME_GB,
    compressOutput: !doc.DisableOutputCompression,
    issues,
  };
}

/** Throws the plan's errors as one INVALID_INPUT error (before any upload). */
export function assertPlanValid(plan: TrainingPlan): void {
  const errors = plan.issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) return;
  throw new PolytuneError(
    'INVALID_INPUT',
    `SageMaker cannot fine-tune ${plan.model.id}@${plan.model.version} as asked: ${errors.map((e) => `${e.code}: ${e.message}`).join(' ')}`,
    {
      hint: errors.some((e) => e.code === 'EULA_REQUIRED')
        ? 'Read the EULA, then pass --hyperparameter accept_eula=true.'
        : 'Fix the hyperparameters or instance type named above.',
    },
  );
}
