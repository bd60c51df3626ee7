import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { JobEvent, JobRef, SubmitContext } from '../../src/provider.js';
import { assertPlanValid } from './jumpstart-training.js';
import type { SageMakerContext } from './sagemaker-clients.js';
import type { JobCalls } from './sagemaker-jobs.js';
import { trainingJobName } from './sagemaker-names.js';
import type { Planner } from './sagemaker-planner.js';
import { buildCreateTrainingJobInput } from './sagemaker-training-request.js';
import { compiledFiles, uploadPreparedData } from './sagemaker-upload.js';

/**
 * Submit: re-attach by name first (the name is the key), then plan from the hub
 * document and refuse what it does not allow, and only then upload and create.
 */
export async function submitTraining(
  parts: { ctx: SageMakerContext; jobs: JobCalls; planner: Planner },
  spec: JobSpec,
  data: PreparedData,
  submitCtx: SubmitContext,
): Promise<JobRef> {
  const { ctx, jobs, planner } = parts;
  const name = trainingJobName(submitCtx.key);
  const ref: JobRef = { provider: 'sagemaker', key: submitCtx.key, remoteId: name };
  const emit = (message: string, level: JobEvent['level'] = 'info') =>
    submitCtx.onEvent?.({
      id: `submit:${message}`,
      at: new Date().toISOString(),
      kind: 'log',
      level,
      message,
    });
  compiledFiles(data);
  if (await jobs.describe(name, submitCtx.signal)) {
    emit(`re-attached to training job ${name}`);
    return ref;
  }
  await planner.prepare(spec, data);
  const plan = planner.mustPlan(spec, data.manifest.kind);
  assertPlanValid(plan);
  emit(`base model ${plan.model.id}@${plan.model.version} from ${ctx.options.hubName}`);
  const { options } = ctx;
  const uploaded = await uploadPreparedData(
    data,
    {
      s3: ctx.s3(),
      bucket: ctx.bucket(),
      prefix: options.prefix,
      multipartThresholdBytes: options.multipartThresholdBytes,
      retry: ctx.retry,
    },
    submitCtx,
  );
  emit(
    `data at ${uploaded.trainUri} (${uploaded.uploaded.length} uploaded, ${uploaded.skipped.length} already there)`,
  );
  const request = buildCreateTrainingJobInput({
    name,
    key: submitCtx.key,
    spec,
    plan,
    data: uploaded,
    roleArn: ctx.roleArn(),
    bucket: ctx.bucket(),
    prefix: options.prefix,
    instanceCount: options.instanceCount,
  });
  await jobs.create(request, submitCtx.signal, (event) => emit(event.message, event.level));
  emit(`training job ${name} created`);
  return ref;
}
