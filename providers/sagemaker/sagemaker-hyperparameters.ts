import type { ExampleKind } from '../../src/dataset/example.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import type { Issue } from '../../src/provider.js';
import type { HubHyperparameter, HubModelDocument } from './jumpstart-document.js';

/**
 * JumpStart hyperparameters, checked against the model's hub document: the
 * document's defaults, then polytune's common knobs under the hub's names,
 * then the user's own (`--hyperparameter name=value`), each validated for
 * name, type, range and options before anything is uploaded.
 */

/** CreateTrainingJob HyperParameters: keys up to 256, values up to 2,500 characters
 * (HyperParameterKey / HyperParameterValue in /work/shared/data/aws_sagemaker_2017-07-24_smithy.json). */
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_LENGTH = 2500;

/** Not a hyperparameter: the user's explicit acceptance of a gated model's EULA. */
export const ACCEPT_EULA = 'accept_eula';

/** polytune's common knobs and the names JumpStart's text-generation scripts give them. */
const COMMON_NAMES: Record<string, string> = {
  epochs: 'epoch',
  learningRate: 'learning_rate',
  batchSize: 'per_device_train_batch_size',
  loraRank: 'lora_r',
  loraAlpha: 'lora_alpha',
  seed: 'seed',
};

type Value = string | number | boolean;

/** The string SageMaker takes; booleans as the scripts spell them (`True`/`False`). */
export function hyperparameterString(value: Value): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Why `value` is not acceptable for `def`, or undefined when it is. */
export function checkHyperparameter(def: HubHyperparameter, value: Value): string | undefined {
  const text = hyperparameterString(value);
  if (text.length > MAX_VALUE_LENGTH)
    return `is ${text.length} characters; SageMaker takes at most ${MAX_VALUE_LENGTH}`;
  if (def.Type === 'int' || def.Type === 'float') {
    const n = typeof value === 'number' ? value : Number(text);
    if (text.trim() === '' || !Number.isFinite(n))
      return `must be a number (${def.Type}), got ${JSON.stringify(value)}`;
    if (def.Type === 'int' && !Number.isInteger(n)) return `must be an integer, got ${text}`;
    if (def.Min !== undefined && n < def.Min) return `must be at least ${def.Min}, got ${text}`;
    if (def.Max !== undefined && n > def.Max) return `must be at most ${def.Max}, got ${text}`;
  }
  if (def.Type === 'bool' && !/^(true|false)$/i.test(text)) return `must be True or False, got ${text}`;
  if (def.Options?.length && !def.Options.map(String).includes(text)) {
    return `must be one of ${def.Options.map(String).join(', ')}, got ${text}`;
  }
  return undefined;
}

export interface HyperparameterResult {
  values: Record<string, string>;
  issues: Issue[];
  /** `accept_eula=true` was given. */
  acceptEula: boolean;
}

/** Merges and validates; `kind` picks the data-format switches the scripts read. */
export function buildHyperparameters(
  document: HubModelDocument,
  spec: JobSpec,
  kind: ExampleKind,
  /** The instance type's own defaults (TrainingInstanceTypeVariants), over the document's. */
  instanceDefaults: Record<string, Value> = {},
): HyperparameterResult {
  const defs = new Map(document.Hyperparameters.map((h) => [h.Name, h]));
  const values: Record<string, string> = {};
  const issues: Issue[] = [];
  for (const def of document.Hyperparameters) {
    const value = instanceDefaults[def.Name] ?? def.Default;
    if (value !== undefined) values[def.Name] = hyperparameterString(value);
  }
  const set = (name: string, value: Value, origin: string) => {
    const def = defs.get(name);
    if (!def) return false;
    const problem = checkHyperparameter(def, value);
    if (problem)
      issues.push({
        severity: 'error',
        code: 'BAD_HYPERPARAMETER',
        message: `${origin} ${name} ${problem}.`,
      });
    else values[name] = hyperparameterString(value);
    return true;
  };
  for (const [knob, name] of Object.entries(COMMON_NAMES)) {
    const value = spec.hyperparameters[knob as keyof JobSpec['hyperparameters']];
    if (value === undefined) continue;
    if (!set(name, value, `${knob} →`)) {
      issues.push({
        severity: 'warning',
        code: 'IGNORED_HYPERPARAMETER',
        message: `${knob} is not used: this model's hub document has no ${name} hyperparameter.`,
      });
    }
  }
  for (const knob of ['learningRateMultiplier', 'beta'] as const) {
    if (spec.hyperparameters[knob] !== undefined) {
      issues.push({
        severity: 'warning',
        code: 'IGNORED_HYPERPARAMETER',
        message: `${knob} is not used by SageMaker JumpStart.`,
      });
    }
  }
  // Chat examples compile to JumpStart's dialog format; every other kind to instruction rows + template.json.
  if (defs.has('chat_dataset')) values.chat_dataset = kind === 'chat' ? 'True' : 'False';
  if (defs.has('instruction_tuned')) values.instruction_tuned = kind === 'chat' ? 'False' : 'True';
  let acceptEula = false;
  for (const [name, value] of Object.entries(spec.providerHyperparameters ?? {})) {
    if (name === ACCEPT_EULA) {
      acceptEula = String(value).toLowerCase() === 'true';
      continue;
    }
    if (!set(name, value, '--hyperparameter')) {
      issues.push({
        severity: 'error',
        code: 'UNKNOWN_HYPERPARAMETER',
        message: `--hyperparameter ${name}: not a hyperparameter of this model; it takes ${[...defs.keys()].filter((n) => defs.get(n)?.Scope !== 'container').join(', ')}.`,
      });
    }
  }
  for (const name of Object.keys(values)) {
    if (name.length > MAX_KEY_LENGTH) {
      issues.push({
        severity: 'error',
        code: 'BAD_HYPERPARAMETER',
        message: `Hyperparameter name ${name.slice(0, 40)}… is longer than ${MAX_KEY_LENGTH}.`,
      });
    }
  }
  return { values, issues, acceptEula };
}
