import { seededRandom } from '../../../src/seeded-random.js';
import { TrainingStopped } from '../head-trainer.js';
import { encodeModel } from '../onnx-graph-builder.js';
import { type OpenedSession, openSession, ort, type ResolvedDevice } from '../onnx-session.js';
import { DEFAULT_ADAMW } from '../train-step-graph.js';
import {
  initialLoraState,
  type LoraEpoch,
  type LoraState,
  loadLoraCheckpoint,
  saveLoraCheckpoint,
} from './lora-checkpoint.js';
import type { LoraConfig } from './lora-config.js';
import { buildLoraStepGraph, type TailShape, type TailWeights, tailParams } from './lora-step-graph.js';
import type { TailRows } from './tail-activations.js';

export interface LoraHooks {
  onDevice?(device: ResolvedDevice, fallbackReason?: string): void | Promise<void>;
  onEpoch?(epoch: LoraEpoch): void | Promise<void>;
  /** Checked between steps; true stops training (cancel). */
  shouldStop?(): boolean | Promise<boolean>;
}

export interface LoraTrainingInput {
  shape: TailShape;
  weights: TailWeights;
  train: readonly TailRows[];
  validation: readonly TailRows[];
  config: LoraConfig;
  checkpointDir: string;
  hooks?: LoraHooks;
}

export interface TrainedLora {
  state: LoraState;
  device: ResolvedDevice;
  fallbackReason?: string;
  stoppedBy: 'exact-match' | 'validation-loss' | 'epochs';
}

/** Concatenates the rows of some sequences into one batch (the tail is per token: no padding). */
function batchFeeds(rows: readonly TailRows[], shape: TailShape): Record<string, ort.Tensor> {
  const count = rows.reduce((n, r) => n + r.count, 0);
  const d = shape.hidden;
  const x = new Float32Array(count * d);
  const h = shape.mlp ? new Float32Array(count * d) : undefined;
  const target = new BigInt64Array(count);
  let at = 0;
  for (const r of rows) {
    x.set(r.x, at * d);
    if (h && r.h) h.set(r.h, at * d);
    target.set(r.target, at);
    at += r.count;
  }
  return {
    x: new ort.Tensor('float32', x, [count, d]),
    ...(h ? { h: new ort.Tensor('float32', h, [count, d]) } : {}),
    target: new ort.Tensor('int64', target, [count]),
    weight: new ort.Tensor('float32', new Float32Array(count).fill(1), [count]),
  };
}

function paramFeeds(state: LoraState, shape: TailShape, withMoments: boolean): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of tailParams(shape)) {
    feeds[p.name] = new ort.Tensor('float32', state.params[p.name] as Float32Array, p.dims);
    if (withMoments) {
      feeds[`${p.name}.m`] = new ort.Tensor('float32', state.m[p.name] as Float32Array, p.dims);
      feeds[`${p.name}.v`] = new ort.Tensor('float32', state.v[p.name] as Float32Array, p.dims);
    }
  }
  return feeds;
}

/** Loss over all target tokens and the share of sequences whose every target token is the argmax. */
async function evaluate(
  opened: OpenedSession,
  rows: readonly TailRows[],
  state: LoraState,
  shape: TailShape,
) {
  let lossSum = 0;
  let tokens = 0;
  let exact = 0;
  for (let i = 0; i < rows.length; i += 64) {
    const chunk = rows.slice(i, i + 64);
    const out = await opened.session.run({ ...batchFeeds(chunk, shape), ...paramFeeds(state, shape, false) });
    const count = chunk.reduce((n, r) => n + r.count, 0);
    lossSum += ((out.loss!.data as Float32Array)[0] as number) * count;
    tokens += count;
    const correct = out.correct?.data as Float32Array;
    let at = 0;
    for (const r of chunk) {
      if (correct.subarray(at, at + r.count).every((c) => c === 1)) exact++;
      at += r.count;
    }
  }
  return { loss: lossSum / Math.max(tokens, 1), exact: exact / Math.max(rows.length, 1) };
}

async function trainStep(
  opened: OpenedSession,
  batch: readonly TailRows[],
  state: LoraState,
  input: LoraTrainingInput,
  lr: number,
) {
  const { shape } = input;
  state.step += 1;
  const scalar = (v: number) => new ort.Tensor('float32', Float32Array.of(v), []);
  const out = await opened.session.run({
    ...batchFeeds(batch, shape),
    ...paramFeeds(state, shape, true),
    lr: scalar(lr),
    bc1: scalar(1 - DEFAULT_ADAMW.beta1 ** state.step),
    bc2: scalar(1 - DEFAULT_ADAMW.beta2 ** state.step),
  });
  for (const p of tailParams(shape)) {
    state.params[p.name] = out[`${p.name}.next`]?.data as Float32Array;
    state.m[p.name] = out[`${p.name}.m.next`]?.data as Float32Array;
    state.v[p.name] = out[`${p.name}.v.next`]?.data as Float32Array;
  }
  // Sequences of this batch whose every target token was the argmax before the update.
  const correct = out.correct?.data as Float32Array;
  let at = 0;
  let exact = 0;
  for (const r of batch) {
    if (correct.subarray(at, at + r.count).every((c) => c === 1)) exact++;
    at += r.count;
  }
  return { loss: (out.loss!.data as Float32Array)[0] as number, exact };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Trains the LoRA tail: resumes from the last checkpoint, checkpoints each epoch, stops on exact match or validation loss. */
export async function trainLora(input: LoraTrainingInput): Promise<TrainedLora> {
  const { shape, config, hooks } = input;
  const params = tailParams(shape);
  const state =
    (await loadLoraCheckpoint(input.checkpointDir, params)) ?? initialLoraState(params, config.seed);
  const step = await openSession(encodeModel(buildLoraStepGraph(shape, input.weights)), config.device);
  const evaluator = await openSession(
    encodeModel(buildLoraStepGraph(shape, input.weights, { evalOnly: true })),
    step.device,
  );
  await hooks?.onDevice?.(step.device, step.fallbackReason);
  const done = (stoppedBy: TrainedLora['stoppedBy']): TrainedLora => ({
    state,
    device: step.device,
    fallbackReason: step.fallbackReason,
    stoppedBy,
  });
  try {
    for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
      let lossSum = 0;
      let batches = 0;
      let seenExact = 0;
      let lr = config.learningRate;
      const order = shuffled(input.train, config.seed * 100_003 + epoch);
      for (let i = 0; i < order.length; i += config.batchSize) {
        if (await hooks?.shouldStop?.()) throw new TrainingStopped();
        lr = config.learningRate * Math.min(1, (state.step + 1) / Math.max(config.warmupSteps, 1));
        const result = await trainStep(step, order.slice(i, i + config.batchSize), state, input, lr);
        lossSum += result.loss;
        seenExact += result.exact;
        batches++;
      }
      // The steps' own argmax checks are free; a full pass with the final weights confirms a perfect epoch.
      const online = seenExact / Math.max(order.length, 1);
      const train = online === 1 ? await evaluate(evaluator, input.train, state, shape) : { exact: online };
      const val =
        input.validation.length > 0 ? await evaluate(evaluator, input.validation, state, shape) : undefined;
      const record: LoraEpoch = {
        epoch,
        trainLoss: lossSum / Math.max(batches, 1),
        trainExact: train.exact,
        valLoss: val?.loss,
        valExact: val?.exact,
        learningRate: lr,
      };
      state.history.push(record);
      state.epoch = epoch;
      if (val && val.loss < state.bestValLoss) {
        state.bestValLoss = val.loss;
        state.badEpochs = 0;
      } else if (val) state.badEpochs += 1;
      await saveLoraCheckpoint(input.checkpointDir, state, params);
      await hooks?.onEpoch?.(record);
      if (config.stopOnExactMatch && train.exact === 1) return done('exact-match');
      if (state.badEpochs >= config.patience) return done('validation-loss');
    }
    return done('epochs');
  } finally {
    await step.session.release();
    await evaluator.session.release();
  }
}
