import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { TrainingPlan } from './jumpstart-training.js';
import type { UploadedData } from './sagemaker-upload.js';

/** The tag that carries the job key on every SageMaker resource polytune creates. */
export const JOB_KEY_TAG = 'polytune:job-key';
/** `<model id>@<hub content version>`: deploy reads the same hub document back (ListTags). */
export const BASE_MODEL_TAG = 'polytune:base-model';

/** Provider-specific knobs read from `spec.extra` (passed through by `polytune tune`). */
export interface SageMakerJobExtra {
  instanceType?: string;
  instanceCount?: number;
  volumeSizeGB?: number;
  maxRuntimeSeconds?: number;
}

export function jobExtra(spec: JobSpec): SageMakerJobExtra {
  return (spec.extra ?? {}) as SageMakerJobExtra;
}

export interface TrainingRequestInput {
  name: string;
  key: string;
  spec: JobSpec;
  plan: TrainingPlan;
  data: UploadedData;
  roleArn: string;
  bucket: string;
  prefix: string;
  instanceCount: number;
}

function channel(name: string, uri: string, contentType: string) {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: uri,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    },
    ContentType: contentType,
    InputMode: 'File' as const,
  };
}

/** The full CreateTrainingJob request for a JumpStart fine-tune, everything model-specific from the plan. */
export function buildCreateTrainingJobInput(input: TrainingRequestInput): CreateTrainingJobCommandInput {
  const { plan, spec, data } = input;
  const outputBase = `s3://${input.bucket}/${input.prefix ? `${input.prefix}/` : ''}output/`;
  const weights = plan.modelChannel;
  return {
    TrainingJobName: input.name,
    RoleArn: input.roleArn,
    AlgorithmSpecification: {
      TrainingImage: plan.image,
      TrainingInputMode: 'File',
      ...(plan.metrics.length ? { MetricDefinitions: plan.metrics } : {}),
      EnableSageMakerMetricsTimeSeries: true,
    },
    HyperParameters: plan.hyperparameters,
    InputDataConfig: [
      channel('training', data.trainUri, 'application/jsonlines'),
      ...(data.validationUri ? [channel('validation', data.validationUri, 'application/jsonlines')] : []),
      channel('code', plan.scriptUri ?? '', 'application/x-code'),
      ...(weights
        ? [
            {
              ...channel('model', weights.uri, 'application/x-sagemaker-model'),
              CompressionType: weights.compression,
            },
          ]
        : []),
    ],
    OutputDataConfig: { S3OutputPath: outputBase, CompressionType: plan.compressOutput ? 'GZIP' : 'NONE' },
    ResourceConfig: {
      InstanceType: plan.instanceType as never,
      InstanceCount: jobExtra(spec).instanceCount ?? input.instanceCount,
      VolumeSizeInGB: plan.volumeSizeGB,
    },
    StoppingCondition: { MaxRuntimeInSeconds: plan.maxRuntimeSeconds },
    EnableNetworkIsolation: plan.networkIsolation,
    ...(Object.keys(plan.environment).length ? { Environment: plan.environment } : {}),
    Tags: [
      { Key: JOB_KEY_TAG, Value: input.key },
      { Key: BASE_MODEL_TAG, Value: `${plan.model.id}@${plan.model.version}` },
      ...(spec.suffix
        ? [{ Key: 'polytune:suffix', Value: spec.suffix.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-') }]
        : []),
    ],
  };
}
