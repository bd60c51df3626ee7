import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import type { ExampleKind } from '../../src/dataset/example.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { checkMemoryStrategy, type ResolvedModel, regionalUri } from './sagemaker-catalogue.js';
import type { UploadedData } from './sagemaker-upload.js';

/** The tag that carries the job key on every SageMaker resource polytune creates. */
export const JOB_KEY_TAG = 'polytune:job-key';

/** Provider-specific knobs read from `spec.extra` (passed through by `polytune tune`). */
export interface SageMakerJobExtra {
  instanceType?: string;
  instanceCount?: number;
  volumeSizeGB?: number;
  maxRuntimeSeconds?: number;
  /** `fsdp` (default for the Llama entries) or `int8`: exactly one is switched on. */
  memoryStrategy?: 'fsdp' | 'int8';
  /** Raw JumpStart hyperparameters (strings or numbers), applied last. */
  hyperparameters?: Record<string, string | number | boolean>;
}

export function jobExtra(spec: JobSpec): SageMakerJobExtra {
  return (spec.extra ?? {}) as SageMakerJobExtra;
}

/** JumpStart's launcher: the code channel holds sourcedir.tar.gz, run with transfer_learning.py. */
const CONTAINER_HYPERPARAMETERS = {
  sagemaker_program: 'transfer_learning.py',
  sagemaker_submit_directory: '/opt/ml/input/data/code/sourcedir.tar.gz',
};

/** The training script prints these; SageMaker turns them into FinalMetricDataList. */
export const METRIC_DEFINITIONS = [
  { Name: 'huggingface-textgeneration:train-loss', Regex: 'train_epoch_loss=([0-9\\.]+)' },
  { Name: 'huggingface-textgeneration:eval-loss', Regex: 'eval_epoch_loss=tensor\\(([0-9\\.]+)' },
  { Name: 'huggingface-textgeneration:eval-ppl', Regex: 'eval_ppl=tensor\\(([0-9\\.]+)' },
];

function str(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/**
 * JumpStart hyperparameters as strings: the catalogue's defaults, then the
 * normalised spec (epochs, learning rate, batch size, LoRA, seed), then the
 * data format, then `extra.hyperparameters`; exactly one memory strategy on.
 */
export function buildHyperparameters(
  model: ResolvedModel,
  spec: JobSpec,
  kind: ExampleKind,
): Record<string, string> {
  const hp = spec.hyperparameters;
  const out: Record<string, string> = { ...model.hyperparameters };
  if (hp.epochs !== undefined) out.epoch = str(hp.epochs);
  if (hp.learningRate !== undefined) out.learning_rate = str(hp.learningRate);
  if (hp.batchSize !== undefined) out.per_device_train_batch_size = str(hp.batchSize);
  if (hp.loraRank !== undefined) out.lora_r = str(hp.loraRank);
  if (hp.loraAlpha !== undefined) out.lora_alpha = str(hp.loraAlpha);
  if (hp.seed !== undefined) out.seed = str(hp.seed);
  // Chat examples compile to the dialog format; every other kind to instruction rows + template.json.
  out.chat_dataset = kind === 'chat' ? 'True' : 'False';
  out.instruction_tuned = kind === 'chat' ? 'False' : 'True';
  const extra = jobExtra(spec);
  if (extra.memoryStrategy) {
    out.enable_fsdp = extra.memoryStrategy === 'fsdp' ? 'True' : 'False';
    out.int8_quantization = extra.memoryStrategy === 'int8' ? 'True' : 'False';
  }
  for (const [k, v] of Object.entries(extra.hyperparameters ?? {})) out[k] = str(v);
  checkMemoryStrategy(model.id, out);
  for (const [k, v] of Object.entries(out)) {
    if (k.length > 256 || v.length > 256) {
      throw new PolytuneError('INVALID_INPUT', `Hyperparameter ${k} is longer than SageMaker allows (256).`, {
        hint: 'Shorten the value in spec.extra.hyperparameters.',
      });
    }
  }
  return { ...out, ...CONTAINER_HYPERPARAMETERS };
}

export interface TrainingRequestInput {
  name: string;
  key: string;
  spec: JobSpec;
  model: ResolvedModel;
  kind: ExampleKind;
  data: UploadedData;
  region: string;
  roleArn: string;
  bucket: string;
  prefix: string;
  instanceType: string;
  instanceCount: number;
  maxRuntimeSeconds: number;
}

function channel(name: string, uri: string, contentType: string, acceptEula?: boolean) {
  return {
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: uri,
        S3DataDistributionType: 'FullyReplicated' as const,
        ...(acceptEula === undefined ? {} : { ModelAccessConfig: { AcceptEula: acceptEula } }),
      },
    },
    ContentType: contentType,
    InputMode: 'File' as const,
  };
}

/** The full CreateTrainingJob request for a JumpStart LoRA fine-tune. */
export function buildCreateTrainingJobInput(input: TrainingRequestInput): CreateTrainingJobCommandInput {
  const { model, spec, data } = input;
  const extra = jobExtra(spec);
  const outputBase = `s3://${input.bucket}/${input.prefix ? `${input.prefix}/` : ''}output/`;
  return {
    TrainingJobName: input.name,
    RoleArn: input.roleArn,
    AlgorithmSpecification: {
      TrainingImage: regionalUri(model.trainingImage, input.region),
      TrainingInputMode: 'File',
      MetricDefinitions: METRIC_DEFINITIONS,
      EnableSageMakerMetricsTimeSeries: true,
    },
    HyperParameters: buildHyperparameters(model, spec, input.kind),
    InputDataConfig: [
      channel('training', data.trainUri, 'application/jsonlines'),
      ...(data.validationUri ? [channel('validation', data.validationUri, 'application/jsonlines')] : []),
      channel('code', regionalUri(model.codeUri, input.region), 'application/x-code'),
      // Gated weights need the EULA accepted on the channel itself; open ones send no ModelAccessConfig.
      channel(
        'model',
        regionalUri(model.modelUri, input.region),
        'application/x-sagemaker-model',
        model.eula ? true : undefined,
      ),
    ],
    // JumpStart LLM outputs are large: keep them uncompressed so deploy can read the prefix directly.
    OutputDataConfig: { S3OutputPath: outputBase, CompressionType: 'NONE' },
    ResourceConfig: {
      InstanceType: (extra.instanceType ?? input.instanceType) as never,
      InstanceCount: extra.instanceCount ?? input.instanceCount,
      VolumeSizeInGB: extra.volumeSizeGB ?? model.volumeSizeGB,
    },
    StoppingCondition: { MaxRuntimeInSeconds: extra.maxRuntimeSeconds ?? input.maxRuntimeSeconds },
    EnableNetworkIsolation: true,
    Tags: [
      { Key: JOB_KEY_TAG, Value: input.key },
      { Key: 'polytune:base-model', Value: model.id },
      ...(spec.suffix
        ? [{ Key: 'polytune:suffix', Value: spec.suffix.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-') }]
        : []),
    ],
  };
}
