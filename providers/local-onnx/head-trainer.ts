import { seededRandom } from '../../src/seeded-random.js';
import type { Features } from './base-features.js';
import { encodeModel } from './onnx-graph-builder.js';
import { type Device, openSession, ort, type ResolvedDevice } from './onnx-session.js';
import {
  buildForwardGraph,
  buildTrainStepGraph,
  DEFAULT_ADAMW,
  type HeadShape,
  headParams,
} from './train-step-graph.js';

export interface HeadTrainingOptions {
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /** Share of all steps spent warming the rate up linearly; cosine decay to 0 after. */
  warmupFraction: number;
  /** Epochs without a better validation loss before stopping. */
  patience: number;
  seed: number;
  /** Standardise inputs with the training set's mean and spread (dense pooled features). */
  standardize: boolean;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  learningRate: number;
}

export interface TrainedHead {
  shape: HeadShape;
  params: Record<string, Float32Array>;
  /** Input standardisation, folded into the exported graph. */
  mean?: Float32Array;
  std?: Float32Array;
  bestEpoch: number;
  history: EpochMetrics[];
  stoppedEarly: boolean;
}

/** Everything needed to continue after a kill: saved after every epoch. */
export interface HeadCheckpoint {
  epoch: number;
  step: number;
  params: Record<string, Float32Array>;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
  best: { loss: number; epoch: number; params: Record<string, Float32Array> };
  badEpochs: number;
  history: EpochMetrics[];
}

export interface TrainHooks {
  device?: Device;
  onDevice?(device: ResolvedDevice, fallbackReason?: string): void;
  onEpoch?(metrics: EpochMetrics): void | Promise<void>;
  checkpoint?: HeadCheckpoint;
  saveCheckpoint?(checkpoint: HeadCheckpoint): Promise<void>;
  /** Checked between batches; true stops training (cancel). */
  shouldStop?(): boolean | Promise<boolean>;
}

function shuffled(count: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  const rand = seededRandom(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

export function learningRateAt(step: number, total: number, peak: number, warmupFraction: number): number {
  const warmup = Math.max(1, Math.round(total * warmupFraction));
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}

function standardization(x: Features): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(x.dim);
  const std = new Float32Array(x.dim);
  for (let r = 0; r < x.count; r++)
    for (let c = 0; c < x.dim; c++) mean[c] += (x.data[r * x.dim + c] as number) / x.count;
  for (let r = 0; r < x.count; r++) {
    for (let c = 0; c < x.dim; c++) {
      const d = (x.data[r * x.dim + c] as number) - (mean[c] as number);
      std[c] += (d * d) / x.count;
    }
  }
  for (let c = 0; c < x.dim; c++) std[c] = Math.sqrt(std[c] as number) + 1e-6;
  return { mean, std };
}

function applyStandardization(x: Features, mean: Float32Array, std: Float32Array): Features {
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = ((x.data[i] as number) - (mean[i % x.dim] as number)) / (std[i % x.dim] as number);
  return { ...x, data };
}

function initParams(shape: HeadShape, seed: number): Record<string, Float32Array> {
  const rand = seededRandom(seed ^ 0x5eed);
  const out: Record<string, Float32Array> = {};
  for (const p of headParams(shape)) {
    const size = p.dims.reduce((a, b) => a * b, 1);
    // He-uniform for weights, zero biases.
    const limit = p.decay ? Math.sqrt(6 / (p.dims[0] as number)) : 0;
    out[p.name] = Float32Array.from({ length: size }, () => (rand() * 2 - 1) * limit);
  }
  return out;
}

function lossAndAccuracy(
  logits: Float32Array,
  labels: Int32Array,
  classes: number,
): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let max = Number.NEGATIVE_INFINITY;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      const z = logits[r * classes + c] as number;
      if (z > max) {
        max = z;
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[r * classes + c] as number) - max);
    loss += Math.log(sum) + max - (logits[r * classes + (labels[r] as number)] as number);
    if (arg === labels[r]) correct++;
  }
  return { loss, correct };
}

/** Logits of a trained head over features (standardisation applied here). */
export async function headLogits(
  head: TrainedHead,
  x: Features,
  device: Device = 'cpu',
  batchSize = 2048,
): Promise<Float32Array> {
  const input = head.mean && head.std ? applyStandardization(x, head.mean, head.std) : x;
  const opened = await openSession(encodeModel(buildForwardGraph(head.shape)), device);
  try {
    return await runForward(opened.session, head.shape, head.params, input, batchSize);
  } finally {
    await opened.session.release();
  }
}

async function runForward(
  session: ort.InferenceSession,
  shape: HeadShape,
  params: Record<string, Float32Array>,
  x: Features,
  batchSize: number,
): Promise<Float32Array> {
  const out = new Float32Array(x.count * shape.classes);
  const paramFeeds: Record<string, ort.Tensor> = {};
  for (const p of headParams(shape))
    paramFeeds[p.name] = new ort.Tensor('float32', params[p.name] as Float32Array, p.dims);
  for (let start = 0; start < x.count; start += batchSize) {
    const n = Math.min(batchSize, x.count - start);
    const rows = x.data.subarray(start * x.dim, (start + n) * x.dim);
    const result = await session.run({ ...paramFeeds, x: new ort.Tensor('float32', rows, [n, x.dim]) });
    out.set(result.logits?.data as Float32Array, start * shape.classes);
  }
  return out;
}

interface HeadState {
  params: Record<string, Float32Array>;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
  /** The step being taken (1-based), for AdamW's bias correction. */
  step: number;
}

/** One train step on `rows` of `x`: assembles the batch, runs the graph, replaces the state in place. */
async function headStep(
  session: ort.InferenceSession,
  specs: ReturnType<typeof headParams>,
  batch: {
    x: Features;
    trainLabels: Int32Array;
    rows: number[];
    classes: number;
    bx: Float32Array;
    by: Float32Array;
  },
  state: HeadState,
  lr: number,
  adamw: typeof DEFAULT_ADAMW,
): Promise<{ loss: number; correct: number }> {
  const { x, rows, classes, bx, by } = batch;
  const n = rows.length;
  by.fill(0);
  const labels = new Int32Array(n);
  rows.forEach((row, i) => {
    bx.set(x.data.subarray(row * x.dim, (row + 1) * x.dim), i * x.dim);
    labels[i] = batch.trainLabels[row] as number;
    by[i * classes + (labels[i] as number)] = 1;
  });
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', bx.subarray(0, n * x.dim), [n, x.dim]),
    y: new ort.Tensor('float32', by.subarray(0, n * classes), [n, classes]),
    lr: new ort.Tensor('float32', Float32Array.of(lr), []),
    bc1: new ort.Tensor('float32', Float32Array.of(1 - adamw.beta1 ** state.step), []),
    bc2: new ort.Tensor('float32', Float32Array.of(1 - adamw.beta2 ** state.step), []),
  };
  for (const p of specs) {
    feeds[p.name] = new ort.Tensor('float32', state.params[p.name] as Float32Array, p.dims);
    feeds[`${p.name}.m`] = new ort.Tensor('float32', state.m[p.name] as Float32Array, p.dims);
    feeds[`${p.name}.v`] = new ort.Tensor('float32', state.v[p.name] as Float32Array, p.dims);
  }
  const out = await session.run(feeds);
  // New records, not in-place updates: a checkpoint or best-epoch snapshot may hold the old ones.
  state.params = Object.fromEntries(specs.map((p) => [p.name, out[`${p.name}.next`]?.data as Float32Array]));
  state.m = Object.fromEntries(specs.map((p) => [p.name, out[`${p.name}.m.next`]?.data as Float32Array]));
  state.v = Object.fromEntries(specs.map((p) => [p.name, out[`${p.name}.v.next`]?.data as Float32Array]));
  return {
    loss: Number(out.loss?.data[0]),
    correct: lossAndAccuracy(out.logits?.data as Float32Array, labels, classes).correct,
  };
}

/**
 * Trains a head with the train-step graph: seeded shuffling, mini-batches,
 * warm-up + cosine decay, early stopping on validation loss, a checkpoint
 * after every epoch. Returns the parameters of the best validation epoch.
 */
export async function trainHead(
  train: Features,
  trainLabels: Int32Array,
  val: { x: Features; labels: Int32Array } | undefined,
  classes: number,
  options: HeadTrainingOptions,
  hooks: TrainHooks = {},
): Promise<TrainedHead> {
  const shape: HeadShape = { inputDim: train.dim, hidden: options.hidden, classes };
  const norm = options.standardize ? standardization(train) : undefined;
  const x = norm ? applyStandardization(train, norm.mean, norm.std) : train;
  const valX = val && norm ? applyStandardization(val.x, norm.mean, norm.std) : val?.x;
  const specs = headParams(shape);
  const adamw = { ...DEFAULT_ADAMW, weightDecay: options.weightDecay };
  const step = await openSession(encodeModel(buildTrainStepGraph(shape, { adamw })), hooks.device ?? 'cpu');
  hooks.onDevice?.(step.device, step.fallbackReason);
  const forward = await openSession(encodeModel(buildForwardGraph(shape)), step.device);

  const zeros = () =>
    Object.fromEntries(specs.map((p) => [p.name, new Float32Array(p.dims.reduce((a, b) => a * b, 1))]));
  const start = hooks.checkpoint;
  let params = start?.params ?? initParams(shape, options.seed);
  let m = start?.m ?? zeros();
  let v = start?.v ?? zeros();
  let best = start?.best ?? { loss: Number.POSITIVE_INFINITY, epoch: 0, params };
  let badEpochs = start?.badEpochs ?? 0;
  let globalStep = start?.step ?? 0;
  const history = [...(start?.history ?? [])];
  const stepsPerEpoch = Math.ceil(x.count / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  let stoppedEarly = false;
  const bx = new Float32Array(options.batchSize * x.dim);
  const by = new Float32Array(options.batchSize * classes);

  try {
    for (let epoch = (start?.epoch ?? 0) + 1; epoch <= options.epochs; epoch++) {
      if (badEpochs >= options.patience) {
        stoppedEarly = true;
        break;
      }
      const order = shuffled(x.count, options.seed * 1000 + epoch);
      let lossSum = 0;
      let correct = 0;
      let lr = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (hooks.shouldStop && (await hooks.shouldStop())) throw new TrainingStopped();
        const from = s * options.batchSize;
        const n = Math.min(options.batchSize, x.count - from);
        const rows = Array.from({ length: n }, (_, i) => order[from + i] as number);
        const state = { params, m, v, step: globalStep + 1 };
        lr = learningRateAt(globalStep, totalSteps, options.learningRate, options.warmupFraction);
        const result = await headStep(
          step.session,
          specs,
          { x, trainLabels, rows, classes, bx, by },
          state,
          lr,
          adamw,
        );
        ({ params, m, v } = state);
        globalStep = state.step;
        lossSum += result.loss * n;
        correct += result.correct;
      }
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / x.count,
        trainAccuracy: correct / x.count,
        learningRate: lr,
      };
      let score = metrics.trainLoss;
      if (val && valX && val.labels.length > 0) {
        const logits = await runForward(forward.session, shape, params, valX, 2048);
        const r = lossAndAccuracy(logits, val.labels, classes);
        metrics.valLoss = r.loss / val.labels.length;
        metrics.valAccuracy = r.correct / val.labels.length;
        score = metrics.valLoss;
      }
      history.push(metrics);
      if (score < best.loss - 1e-4) {
        best = { loss: score, epoch, params };
        badEpochs = 0;
      } else {
        badEpochs += 1;
      }
      await hooks.saveCheckpoint?.({
        epoch,
        step: globalStep,
        params,
        m,
        v,
        best,
        badEpochs,
        history: [...history],
      });
      await hooks.onEpoch?.(metrics);
    }
  } finally {
    await step.session.release();
    await forward.session.release();
  }
  if (badEpochs >= options.patience && history.length < options.epochs) stoppedEarly = true;
  return {
    shape,
    params: best.params,
    mean: norm?.mean,
    std: norm?.std,
    bestEpoch: best.epoch,
    history,
    stoppedEarly,
  };
}

/** Thrown out of `trainHead` when `shouldStop` says so; the last checkpoint stays. */
export class TrainingStopped extends Error {
  override readonly name = 'TrainingStopped';
  constructor() {
    super('training stopped');
  }
}

export function encodeFloatRecord(record: Record<string, Float32Array>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, a]) => [
      k,
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'),
    ]),
  );
}

export function decodeFloatRecord(record: Record<string, string>): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(record).map(([k, s]) => {
      const b = Buffer.from(s, 'base64');
      return [k, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
    }),
  );
}
