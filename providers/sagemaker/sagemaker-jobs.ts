import {
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  ListTagsCommand,
  type SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { PolytuneError } from '../../src/errors.js';
import type { JobEvent } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { isNotFound, isResourceInUse, toPolytuneError } from './sagemaker-errors.js';
import { BASE_MODEL_TAG } from './sagemaker-training-request.js';

/**
 * The training-job calls: describe, create (idempotent by name), stop, and
 * the base model a job was tuned from (its tag). Every call goes through the
 * one retry policy; errors become PolytuneErrors with the request id.
 */
export interface JobCallsContext {
  sagemaker(): SageMakerClient;
  region(): string;
  retry: RetryOptions;
}

export function createJobCalls(ctx: JobCallsContext) {
  /** DescribeTrainingJob; undefined when no job has that name. */
  async function describe(
    name: string,
    signal?: AbortSignal,
  ): Promise<DescribeTrainingJobCommandOutput | undefined> {
    return withRetry(
      async () => {
        try {
          return await ctx.sagemaker().send(new DescribeTrainingJobCommand({ TrainingJobName: name }), {
            abortSignal: signal,
          });
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw toPolytuneError(error, `DescribeTrainingJob ${name}`);
        }
      },
      { ...ctx.retry, signal },
    );
  }

  async function mustDescribe(name: string): Promise<DescribeTrainingJobCommandOutput> {
    const job = await describe(name);
    if (!job) {
      throw new PolytuneError(
        'NOT_FOUND',
        `SageMaker has no training job named ${name} in ${ctx.region()}.`,
        {
          hint: 'Check the region and account (AWS_PROFILE); the ledger may come from another account.',
        },
      );
    }
    return job;
  }

  /** CreateTrainingJob; a name that exists is this key's job, created earlier (names are never reused). */
  async function create(
    request: CreateTrainingJobCommandInput,
    signal?: AbortSignal,
    onRetry?: (event: Pick<JobEvent, 'level' | 'message'>) => void,
  ): Promise<void> {
    const name = request.TrainingJobName ?? '';
    await withRetry(
      async (attempt) => {
        // Before a retry, look first: the last attempt may have created the job and lost the answer.
        if (attempt > 0 && (await describe(name, signal))) return;
        try {
          await ctx.sagemaker().send(new CreateTrainingJobCommand(request), { abortSignal: signal });
        } catch (error) {
          if (isResourceInUse(error)) return;
          throw toPolytuneError(error, `CreateTrainingJob ${name}`);
        }
      },
      {
        ...ctx.retry,
        signal,
        onRetry: ({ attempt, delayMs, error }) =>
          onRetry?.({
            level: 'warn',
            message: `CreateTrainingJob retry ${attempt} in ${delayMs} ms: ${(error as Error).message}`,
          }),
      },
    );
  }

  async function stop(name: string): Promise<void> {
    await withRetry(async () => {
      try {
        await ctx.sagemaker().send(new StopTrainingJobCommand({ TrainingJobName: name }));
      } catch (error) {
        throw toPolytuneError(error, `StopTrainingJob ${name}`);
      }
    }, ctx.retry);
  }

  /** `<model>@<version>` from the job's tag (DescribeTrainingJob does not return tags). */
  async function baseModelOf(job: DescribeTrainingJobCommandOutput): Promise<string | undefined> {
    if (!job.TrainingJobArn) return undefined;
    const tags = await withRetry(async () => {
      try {
        return await ctx.sagemaker().send(new ListTagsCommand({ ResourceArn: job.TrainingJobArn }));
      } catch (error) {
        throw toPolytuneError(error, `ListTags ${job.TrainingJobName}`);
      }
    }, ctx.retry);
    return tags.Tags?.find((t) => t.Key === BASE_MODEL_TAG)?.Value;
  }

  return { describe, mustDescribe, create, stop, baseModelOf };
}
export type JobCalls = ReturnType<typeof createJobCalls>;
