import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import type { ExampleKind } from '../../src/dataset/example.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import type { JumpStartModel } from './jumpstart-document.js';
import { type HubContext, resolveJumpStartModel } from './jumpstart-hub.js';
import { planTraining, type TrainingPlan } from './jumpstart-training.js';
import type { SageMakerContext } from './sagemaker-clients.js';
import { type InputLengthResult, planInputLength } from './sagemaker-input-length.js';
import { jobExtra } from './sagemaker-training-request.js';

/**
 * Plan time: the hub lookup and the data scan are async, while `validate` and
 * `price` are not, so `prepare` does the lookups once per base model and data
 * folder and keeps the results (or the failure) for them to read.
 */
export function createPlanner(ctx: SageMakerContext, hub: HubContext) {
  const models = new Map<string, JumpStartModel & { offline?: boolean }>();
  const failures = new Map<string, PolytuneError>();
  const lengths = new Map<string, InputLengthResult>();

  async function prepare(spec: JobSpec, data?: PreparedData): Promise<void> {
    if (!models.has(spec.baseModel)) {
      try {
        models.set(spec.baseModel, await resolveJumpStartModel(hub, spec.baseModel));
        failures.delete(spec.baseModel);
      } catch (error) {
        if (!(error instanceof PolytuneError)) throw error;
        failures.set(spec.baseModel, error);
        return;
      }
    }
    const model = models.get(spec.baseModel);
    if (data && model) {
      const userValue = spec.providerHyperparameters?.max_input_length;
      lengths.set(
        spec.baseModel,
        await planInputLength(model.document, data, userValue === undefined ? undefined : String(userValue)),
      );
    }
  }

  function instanceTypeFor(spec: JobSpec): string | undefined {
    return (
      jobExtra(spec).instanceType ??
      ctx.options.instanceType ??
      models.get(spec.baseModel)?.document.DefaultTrainingInstanceType
    );
  }

  function planned(spec: JobSpec, kind: ExampleKind): TrainingPlan | undefined {
    const model = models.get(spec.baseModel);
    if (!model) return undefined;
    const extra = jobExtra(spec);
    const inputLength = lengths.get(spec.baseModel);
    const maxRuntimeSeconds = extra.maxRuntimeSeconds ?? ctx.options.maxRuntimeSeconds;
    const instanceType = instanceTypeFor(spec);
    return planTraining(model, spec, {
      kind,
      acceptEula: ctx.options.acceptEula,
      ...(instanceType ? { instanceType } : {}),
      ...(maxRuntimeSeconds ? { maxRuntimeSeconds } : {}),
      ...(extra.volumeSizeGB ? { volumeSizeGB: extra.volumeSizeGB } : {}),
      ...(inputLength ? { inputLength } : {}),
    });
  }

  /** The plan's issues, or why there is no plan. */
  function issues(spec: JobSpec, stats: DatasetStats): Issue[] {
    const failure = failures.get(spec.baseModel);
    if (failure)
      return [
        {
          severity: 'error',
          code: 'HUB',
          message: `${failure.message}${failure.hint ? ` ${failure.hint}` : ''}`,
        },
      ];
    const model = models.get(spec.baseModel);
    if (!model) {
      return [
        {
          severity: 'error',
          code: 'NOT_RESOLVED',
          message: `${spec.baseModel} was not looked up in the JumpStart hub (call prepare first).`,
        },
      ];
    }
    const out: Issue[] = [];
    if (model.offline) {
      out.push({
        severity: 'warning',
        code: 'HUB_OFFLINE',
        message: `The JumpStart hub could not be reached: using the cached document of ${model.id}@${model.version}.`,
      });
    }
    return [...out, ...(planned(spec, stats.kind)?.issues ?? [])];
  }

  function mustPlan(spec: JobSpec, kind: ExampleKind): TrainingPlan {
    const failure = failures.get(spec.baseModel);
    if (failure) throw failure;
    const plan = planned(spec, kind);
    if (!plan) throw new PolytuneError('INTERNAL', `${spec.baseModel} was not resolved before planning.`);
    return plan;
  }

  return {
    prepare,
    instanceTypeFor,
    planned,
    issues,
    mustPlan,
    resolved: (spec: JobSpec) => models.get(spec.baseModel),
  };
}
export type Planner = ReturnType<typeof createPlanner>;
