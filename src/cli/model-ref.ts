import { MODEL_NAME } from '../../evals/report/model-names.js';
import { PolytuneError } from '../errors.js';
import { currentState, type JobRecord } from '../jobs/job-record.js';
import { resolveJob } from '../jobs/resolve-job.js';
import type { Model } from '../provider.js';
import type { ProviderContext } from './provider-settings.js';

/**
 * `--model` refs: `<provider>:<what that provider serves>` or `job:<ledger id>`
 * for a finished job's tuned model. Resolution goes through the provider
 * registry (lazily loaded) and the job ledger; evals only ever see the Model.
 */
export const MODEL_REF_FORMS = [
  'openai:<model>            e.g. openai:gpt-4o-mini or openai:ft:gpt-4o-mini:acme::abc123',
  'vertex:<endpoint>         e.g. vertex:projects/p/locations/us-central1/endpoints/123',
  'sagemaker:<endpoint>      e.g. sagemaker:my-endpoint',
  'local-onnx:<dir>          e.g. local-onnx:./models/banking77',
  'job:<ledger id>           a finished job: its key, key prefix or remote id (see `polytune jobs list`)',
] as const;

const formsHint = () => `Use one of:\n  ${MODEL_REF_FORMS.join('\n  ')}`;

export function parseModelRef(ref: string): { scheme: string; rest: string } {
  const at = ref.indexOf(':');
  const scheme = at > 0 ? ref.slice(0, at) : '';
  const rest = at > 0 ? ref.slice(at + 1) : '';
  if (!scheme || !rest) {
    throw new PolytuneError('USAGE', `Cannot read the model ref ${JSON.stringify(ref)}.`, {
      hint: formsHint(),
    });
  }
  return { scheme, rest };
}

export async function resolveModelRef(
  ref: string,
  context: Pick<ProviderContext, 'ledger' | 'provider'>,
): Promise<Model> {
  return (await resolveModelRefWithJob(ref, context)).model;
}

/** The Model for a ref, and for `job:` refs the ledger record it came from (for its training cost). */
export async function resolveModelRefWithJob(
  ref: string,
  context: Pick<ProviderContext, 'ledger' | 'provider'>,
): Promise<{ model: Model; job?: JobRecord }> {
  const { scheme, rest } = parseModelRef(ref);
  if (scheme === 'job') {
    const record = await resolveJob(context.ledger, rest);
    const state = currentState(record);
    if (state.state !== 'succeeded' || !record.remoteId) {
      throw new PolytuneError(
        'USAGE',
        `Job ${record.key.slice(0, 12)} on ${record.provider} is ${state.state}${state.rawState ? ` (${state.rawState})` : ''}, so it has no model to evaluate yet.`,
        { hint: `Wait for it with \`polytune jobs wait ${record.key.slice(0, 12)}\`, then run eval again.` },
      );
    }
    const provider = await context.provider(record.provider);
    const model = await provider.model({
      provider: record.provider,
      key: record.key,
      remoteId: record.remoteId,
    });
    return { model, job: record };
  }
  let provider: Awaited<ReturnType<ProviderContext['provider']>>;
  try {
    provider = await context.provider(scheme);
  } catch (error) {
    if (error instanceof PolytuneError && error.code === 'USAGE') {
      throw new PolytuneError(
        'USAGE',
        `Unknown model ref scheme ${JSON.stringify(scheme)} in ${JSON.stringify(ref)}.`,
        {
          hint: formsHint(),
        },
      );
    }
    throw error;
  }
  return { model: await provider.model(rest) };
}

const NAMED_REF = new RegExp(`^(${MODEL_NAME.source.slice(1, -1)})=(.+)$`);

/** `--model name=ref` or a plain ref; a bare name from the suite's `models:` map stands for its ref. */
export function parseNamedModel(
  arg: string,
  suiteModels: Record<string, string> = {},
): { name?: string; ref: string } {
  const given = NAMED_REF.exec(arg);
  if (given) return { name: given[1] as string, ref: given[2] as string };
  const fromSuite = suiteModels[arg];
  if (fromSuite !== undefined) return { name: arg, ref: fromSuite };
  // A ref the suite names keeps that name.
  const named = Object.entries(suiteModels).find(([, ref]) => ref === arg)?.[0];
  return named ? { name: named, ref: arg } : { ref: arg };
}
