import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Example } from '../../../src/dataset/example.js';
import { PolytuneError } from '../../../src/errors.js';
import { type CausalLmFolder, hashFiles, loadCausalLmFolder } from './causal-lm-folder.js';
import { ChatPrompt } from './chat-prompt.js';
import type { LoraEpoch, LoraState } from './lora-checkpoint.js';
import type { LoraConfig } from './lora-config.js';
import { writeMergedModel } from './lora-merge.js';
import type { TailShape, TailWeights } from './lora-step-graph.js';
import { type LoraHooks, type TrainedLora, trainLora } from './lora-trainer.js';
import { cacheTailRows, type TailRows } from './tail-activations.js';
import { planTail, type TailPlan } from './tail-surgery.js';
import { type TrainingTokens, trainingTokens } from './training-tokens.js';

export interface CausalLmFineTune {
  baseDir: string;
  train: readonly Example[];
  validation: readonly Example[];
  config: LoraConfig;
  /** Checkpoints and the cached activations. */
  workDir: string;
  /** The merged model folder. */
  outDir: string;
  hooks?: LoraHooks & { onLog?(message: string): void | Promise<void> };
}

export interface CausalLmResult {
  device: 'cpu' | 'cuda';
  stoppedBy: string;
  history: LoraEpoch[];
  metrics: Record<string, number>;
}

function tailOf(plan: TailPlan, config: LoraConfig): { shape: TailShape; weights: TailWeights } {
  const shape: TailShape = {
    hidden: plan.hidden,
    vocab: plan.vocab,
    intermediate: plan.intermediate,
    rank: config.rank,
    scale: config.alpha / config.rank,
    eps: plan.eps,
    mlp: plan.mlp,
  };
  const weights = {
    lmHead: plan.lmHead.weight,
    norm: plan.norm,
    gate: plan.gate?.weight,
    up: plan.up?.weight,
    down: plan.down?.weight,
  };
  return { shape, weights };
}

function lastEpochMetrics(state: LoraState): Record<string, number> {
  const last = state.history[state.history.length - 1];
  const metrics: Record<string, number> = {
    epochs: state.epoch,
    steps: state.step,
    trainLoss: last?.trainLoss ?? Number.NaN,
    trainExact: last?.trainExact ?? 0,
  };
  if (last?.valLoss !== undefined) metrics.valLoss = last.valLoss;
  if (last?.valExact !== undefined) metrics.valExact = last.valExact;
  return metrics;
}

/** How the model was made: base and data hashes, hyperparameters, device, per-epoch losses. */
async function trainingManifest(
  folder: CausalLmFolder,
  plan: TailPlan,
  data: { kind?: string; train: TrainingTokens[]; validation: TrainingTokens[]; trainRows: TailRows[] },
  hyperparameters: Record<string, unknown>,
  trained: TrainedLora,
): Promise<Record<string, unknown>> {
  const dataHash = createHash('sha256')
    .update(JSON.stringify([data.train, data.validation].map((s) => s.map((t) => [t.ids, t.target]))))
    .digest('hex');
  return {
    kind: 'causal-lm-lora',
    base: {
      dir: folder.dir,
      modelType: folder.modelType,
      sha256: await hashFiles(['model.onnx', 'model.onnx_data'].map((f) => join(folder.dir, f))),
    },
    data: {
      kind: data.kind,
      sha256: dataHash,
      trainSequences: data.train.length,
      validationSequences: data.validation.length,
      trainTargetTokens: data.trainRows.reduce((n, r) => n + r.count, 0),
    },
    hyperparameters,
    adapted: plan.mlp
      ? ['lm_head', `model.layers.${folder.layers - 1}.mlp.{gate,up,down}_proj`]
      : ['lm_head'],
    device: trained.device,
    ...(trained.fallbackReason ? { cudaFallback: trained.fallbackReason } : {}),
    stoppedBy: trained.stoppedBy,
    losses: trained.state.history,
  };
}

function tokensOf(
  prompt: ChatPrompt,
  examples: readonly Example[],
  eos: number | undefined,
): TrainingTokens[] {
  return examples
    .map((e) => trainingTokens(prompt, e, eos))
    .filter((t): t is TrainingTokens => t?.target.some(Boolean) === true);
}

/** LoRA on the tail of an exported decoder: cache the frozen prefix once, train, write the merged model. */
export async function fineTuneCausalLm(job: CausalLmFineTune): Promise<CausalLmResult> {
  const folder = await loadCausalLmFolder(job.baseDir);
  const targets =
    folder.family === 'llama' ? job.config.targets : job.config.targets.filter((t) => t !== 'mlp');
  if (targets.length < job.config.targets.length)
    await job.hooks?.onLog?.(
      `${folder.modelType}: MLP adapters are implemented for the Llama family; training the LM head adapter only`,
    );
  const plan = planTail(folder, targets);
  const prompt = new ChatPrompt(folder);
  const train = tokensOf(prompt, job.train, folder.eosIds[0]);
  const validation = tokensOf(prompt, job.validation, folder.eosIds[0]);
  if (train.length === 0) {
    throw new PolytuneError(
      'INVALID_INPUT',
      'No training example has a target token (chat with an assistant turn of weight ≠ 0, or completion).',
      {
        hint: 'Causal-LM fine-tuning takes chat or prompt/completion data.',
      },
    );
  }
  const started = performance.now();
  const trainRows = await cacheTailRows(folder, plan, train, join(job.workDir, 'prefix'), job.config.device);
  const validationRows = await cacheTailRows(
    folder,
    plan,
    validation,
    join(job.workDir, 'prefix'),
    job.config.device,
  );
  await job.hooks?.onLog?.(
    `cached the frozen prefix for ${train.length + validation.length} sequences in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const { shape, weights } = tailOf(plan, job.config);
  const trained = await trainLora({
    shape,
    weights,
    train: trainRows,
    validation: validationRows,
    config: job.config,
    checkpointDir: join(job.workDir, 'checkpoint'),
    hooks: job.hooks,
  });
  const data = { kind: job.train[0]?.kind, train, validation, trainRows };
  await writeMergedModel(
    folder,
    plan,
    shape,
    trained.state.params,
    job.outDir,
    await trainingManifest(folder, plan, data, { ...job.config, targets }, trained),
  );
  const metrics = lastEpochMetrics(trained.state);
  return { device: trained.device, stoppedBy: trained.stoppedBy, history: trained.state.history, metrics };
}
