import { GraphBuilder, type ModelProto } from '../onnx-graph-builder.js';
import {
  type AdamWOptions,
  addAdamWUpdate,
  DEFAULT_ADAMW,
  type FloatType,
  type ParamSpec,
} from '../train-step-graph.js';

/**
 * The trainable tail of a decoder as one ONNX graph: forward, hand-written
 * backward and AdamW, like the classifier's train step. The tail is applied per
 * token (no attention), so a batch is a flat set of target-token rows whose
 * inputs the frozen prefix computed once.
 *
 * lm-head:       x = final hidden state (after the last norm) → logits = x·(W + s·A·B)
 * mlp-and-head:  x = input of the last block's MLP (normed), h = the residual beside it;
 *                h + SwiGLU MLP (LoRA on gate, up, down) → RMSNorm → LM head (LoRA)
 */
export interface TailShape {
  hidden: number;
  vocab: number;
  intermediate: number;
  rank: number;
  /** alpha / rank */
  scale: number;
  eps: number;
  /** Adapt the last block's MLP as well as the LM head. */
  mlp: boolean;
}

/** Frozen weights in MatMul layout [in, out]; `norm` is the final RMSNorm's scale. */
export interface TailWeights {
  lmHead: Float32Array;
  norm?: Float32Array;
  gate?: Float32Array;
  up?: Float32Array;
  down?: Float32Array;
}

export const TAIL_MODULES = ['gate', 'up', 'down'] as const;

export function tailParams(shape: TailShape): ParamSpec[] {
  const pair = (name: string, dIn: number, dOut: number): ParamSpec[] => [
    { name: `${name}.A`, dims: [dIn, shape.rank], decay: false },
    { name: `${name}.B`, dims: [shape.rank, dOut], decay: false },
  ];
  const { hidden: d, intermediate: i, vocab: v } = shape;
  const mlp = shape.mlp ? [...pair('gate', d, i), ...pair('up', d, i), ...pair('down', i, d)] : [];
  return [...mlp, ...pair('lm_head', d, v)];
}

type Grads = Map<string, string>;

class TailGraph {
  readonly grads: Grads = new Map();
  constructor(
    readonly g: GraphBuilder,
    readonly shape: TailShape,
    readonly dtype: FloatType,
  ) {}
  c(v: number): string {
    return this.g.scalar(v, this.dtype);
  }
  /** x·W + s·(x·A)·B; returns the output and x·A (kept for the backward pass). */
  lora(x: string, w: string, name: string): { out: string; xa: string } {
    const xa = this.g.node('MatMul', [x, `${name}.A`]);
    const delta = this.g.node('Mul', [this.g.node('MatMul', [xa, `${name}.B`]), this.c(this.shape.scale)]);
    return { out: this.g.node('Add', [this.g.node('MatMul', [x, w]), delta]), xa };
  }
  /** Gradients of A and B from dOut; returns d x when asked. */
  loraBack(
    x: string,
    xa: string,
    dOut: string,
    w: string,
    name: string,
    wantDx: boolean,
  ): string | undefined {
    const g = this.g;
    const s = this.c(this.shape.scale);
    const dxa = g.node('Mul', [
      g.node('MatMul', [dOut, g.node('Transpose', [`${name}.B`], { perm: [1, 0] })]),
      s,
    ]);
    this.grads.set(
      `${name}.B`,
      g.node('Mul', [g.node('MatMul', [g.node('Transpose', [xa], { perm: [1, 0] }), dOut]), s]),
    );
    this.grads.set(`${name}.A`, g.node('MatMul', [g.node('Transpose', [x], { perm: [1, 0] }), dxa]));
    if (!wantDx) return undefined;
    const throughW = g.node('MatMul', [dOut, g.node('Transpose', [w], { perm: [1, 0] })]);
    const throughA = g.node('MatMul', [dxa, g.node('Transpose', [`${name}.A`], { perm: [1, 0] })]);
    return g.node('Add', [throughW, throughA]);
  }
}

function frozen(
  g: GraphBuilder,
  name: string,
  dims: number[],
  data: Float32Array | undefined,
  dtype: FloatType,
): string {
  if (!data) throw new Error(`tail weight ${name} is missing`);
  return g.initializer(name, dtype, dims, dtype === 'float32' ? data : Float64Array.from(data));
}

/** Softmax cross-entropy over target rows weighted by `weight` (0 drops a row); dLogits for backward. */
function crossEntropy(t: TailGraph, logits: string): { dLogits: string } {
  const g = t.g;
  const logp = g.node('LogSoftmax', [logits], { axis: 1 });
  const depth = g.constant('depth', 'int64', [1], BigInt64Array.of(BigInt(t.shape.vocab)));
  const onehot = g.node(
    'Cast',
    [
      g.node('OneHot', ['target', depth, g.constant('onoff', 'float32', [2], Float32Array.of(0, 1))], {
        axis: 1,
      }),
    ],
    {
      to: t.dtype === 'float32' ? 1 : 11,
    },
  );
  const total = g.node('Max', [g.node('ReduceSum', ['weight', g.axes(0)], { keepdims: 0 }), t.c(1e-12)]);
  const perRow = g.node('Neg', [
    g.node('ReduceSum', [g.node('Mul', [onehot, logp]), g.axes(1)], { keepdims: 0 }),
  ]);
  g.node(
    'Div',
    [g.node('ReduceSum', [g.node('Mul', [perRow, 'weight']), g.axes(0)], { keepdims: 0 }), total],
    {},
    'loss',
  );
  const predicted = g.node('ArgMax', [logits], { axis: 1, keepdims: 0 });
  g.node('Cast', [g.node('Equal', [predicted, 'target'])], { to: 1 }, 'correct');
  const rowScale = g.node('Unsqueeze', [g.node('Div', ['weight', total]), g.axes(1)]);
  return { dLogits: g.node('Mul', [g.node('Sub', [g.node('Exp', [logp]), onehot]), rowScale]) };
}

function forwardAndBackward(t: TailGraph, weights: TailWeights): void {
  const { g, shape, dtype } = t;
  const { hidden: d, intermediate: i, vocab: v } = shape;
  const wHead = frozen(g, 'frozen.lm_head', [d, v], weights.lmHead, dtype);
  if (!shape.mlp) {
    const head = t.lora('x', wHead, 'lm_head');
    t.loraBack('x', head.xa, crossEntropy(t, head.out).dLogits, wHead, 'lm_head', false);
    return;
  }
  const [wGate, wUp, wDown] = (['gate', 'up', 'down'] as const).map((n) =>
    frozen(g, `frozen.${n}`, n === 'down' ? [i, d] : [d, i], weights[n], dtype),
  ) as [string, string, string];
  const gate = t.lora('x', wGate, 'gate');
  const up = t.lora('x', wUp, 'up');
  const sig = g.node('Sigmoid', [gate.out]);
  const silu = g.node('Mul', [gate.out, sig]);
  const act = g.node('Mul', [silu, up.out]);
  const down = t.lora(act, wDown, 'down');
  const h2 = g.node('Add', ['h', down.out]);
  const meanSquare = g.node('ReduceMean', [g.node('Mul', [h2, h2])], { axes: [-1], keepdims: 1 });
  const inv = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [meanSquare, t.c(shape.eps)])])]);
  const z = g.node('Mul', [h2, inv]);
  const wNorm = frozen(g, 'frozen.norm', [d], weights.norm, dtype);
  const y = g.node('Mul', [z, wNorm]);
  const head = t.lora(y, wHead, 'lm_head');
  const dy = t.loraBack(y, head.xa, crossEntropy(t, head.out).dLogits, wHead, 'lm_head', true) as string;
  // RMSNorm backward: dh2 = inv · (dz − z · mean(dz·z)).
  const dz = g.node('Mul', [dy, wNorm]);
  const proj = g.node('ReduceMean', [g.node('Mul', [dz, z])], { axes: [-1], keepdims: 1 });
  const dh2 = g.node('Mul', [inv, g.node('Sub', [dz, g.node('Mul', [z, proj])])]);
  const dAct = t.loraBack(act, down.xa, dh2, wDown, 'down', true) as string;
  // silu'(g) = σ(g)·(1 + g·(1 − σ(g)))
  const dSilu = g.node('Mul', [
    sig,
    g.node('Add', [t.c(1), g.node('Mul', [gate.out, g.node('Sub', [t.c(1), sig])])]),
  ]);
  t.loraBack('x', gate.xa, g.node('Mul', [g.node('Mul', [dAct, up.out]), dSilu]), wGate, 'gate', false);
  t.loraBack('x', up.xa, g.node('Mul', [dAct, silu]), wUp, 'up', false);
}

/**
 * inputs:  x [N, d], h [N, d] (mlp only), target int64 [N], weight [N], and unless
 *          `evalOnly`: lr, bc1, bc2, and p, p.m, p.v for each LoRA parameter
 * outputs: loss, correct [N] (argmax == target), then p.next, p.m.next, p.v.next
 *          (and p.grad when `exposeGradients`)
 */
export function buildLoraStepGraph(
  shape: TailShape,
  weights: TailWeights,
  options: { dtype?: FloatType; adamw?: AdamWOptions; exposeGradients?: boolean; evalOnly?: boolean } = {},
): ModelProto {
  const dtype = options.dtype ?? 'float32';
  const g = new GraphBuilder('tail/');
  const t = new TailGraph(g, shape, dtype);
  g.input('x', dtype, ['rows', shape.hidden]);
  if (shape.mlp) g.input('h', dtype, ['rows', shape.hidden]);
  g.input('target', 'int64', ['rows']);
  g.input('weight', dtype, ['rows']);
  const params = tailParams(shape);
  const train = !options.evalOnly;
  if (train) for (const name of ['lr', 'bc1', 'bc2']) g.input(name, dtype, []);
  for (const p of params) {
    g.input(p.name, dtype, p.dims);
    if (train) for (const k of ['m', 'v']) g.input(`${p.name}.${k}`, dtype, p.dims);
  }
  forwardAndBackward(t, weights);
  g.output('loss', dtype, []);
  g.output('correct', 'float32', ['rows']);
  if (train) {
    for (const p of params) {
      const grad = t.grads.get(p.name) as string;
      if (options.exposeGradients) g.output(g.node('Identity', [grad], {}, `${p.name}.grad`), dtype, p.dims);
      addAdamWUpdate(g, p, grad, options.adamw ?? { ...DEFAULT_ADAMW, weightDecay: 0 }, dtype);
      for (const suffix of ['next', 'm.next', 'v.next']) g.output(`${p.name}.${suffix}`, dtype, p.dims);
    }
  }
  return g.build({ graphName: options.evalOnly ? 'lora_tail_eval' : 'lora_tail_step' });
}
