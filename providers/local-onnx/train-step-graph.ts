import { GraphBuilder, type ModelProto } from './onnx-graph-builder.js';

/** A classification head: linear (`hidden: 0`) or one ReLU hidden layer. */
export interface HeadShape {
  inputDim: number;
  hidden: number;
  classes: number;
}

export interface ParamSpec {
  name: string;
  dims: number[];
  /** Weights get weight decay and fan-in scaled init; biases neither. */
  decay: boolean;
}

export function headParams(shape: HeadShape): ParamSpec[] {
  if (shape.hidden <= 0) {
    return [
      { name: 'w', dims: [shape.inputDim, shape.classes], decay: true },
      { name: 'b', dims: [shape.classes], decay: false },
    ];
  }
  return [
    { name: 'w1', dims: [shape.inputDim, shape.hidden], decay: true },
    { name: 'b1', dims: [shape.hidden], decay: false },
    { name: 'w2', dims: [shape.hidden, shape.classes], decay: true },
    { name: 'b2', dims: [shape.classes], decay: false },
  ];
}

export type FloatType = 'float32' | 'float64';
const ONNX_FLOAT: Record<FloatType, number> = { float32: 1, float64: 11 };

interface Forward {
  logits: string;
  /** Pre-activation and activation of the hidden layer (for the backward pass). */
  pre?: string;
  act?: string;
}

/** Adds the head's forward pass; `param(name)` gives the graph name of each parameter. */
export function addHeadForward(
  g: GraphBuilder,
  x: string,
  shape: HeadShape,
  param: (name: string) => string,
): Forward {
  if (shape.hidden <= 0) return { logits: g.node('Gemm', [x, param('w'), param('b')]) };
  const pre = g.node('Gemm', [x, param('w1'), param('b1')]);
  const act = g.node('Relu', [pre]);
  return { logits: g.node('Gemm', [act, param('w2'), param('b2')]), pre, act };
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };

/**
 * AdamW for one parameter: reads `p`, `p.m`, `p.v`, `lr`, `bc1`, `bc2` and writes
 * `p.next`, `p.m.next`, `p.v.next` (the caller declares those inputs and outputs).
 */
export function addAdamWUpdate(
  g: GraphBuilder,
  p: ParamSpec,
  grad: string,
  adamw: AdamWOptions,
  dtype: FloatType,
): void {
  const c = (v: number) => g.scalar(v, dtype);
  const m = g.node(
    'Add',
    [g.node('Mul', [`${p.name}.m`, c(adamw.beta1)]), g.node('Mul', [grad, c(1 - adamw.beta1)])],
    {},
    `${p.name}.m.next`,
  );
  const v = g.node(
    'Add',
    [
      g.node('Mul', [`${p.name}.v`, c(adamw.beta2)]),
      g.node('Mul', [g.node('Mul', [grad, grad]), c(1 - adamw.beta2)]),
    ],
    {},
    `${p.name}.v.next`,
  );
  const mHat = g.node('Div', [m, 'bc1']);
  const vHat = g.node('Div', [v, 'bc2']);
  let update = g.node('Div', [mHat, g.node('Add', [g.node('Sqrt', [vHat]), c(adamw.epsilon)])]);
  if (p.decay && adamw.weightDecay > 0)
    update = g.node('Add', [update, g.node('Mul', [p.name, c(adamw.weightDecay)])]);
  g.node('Sub', [p.name, g.node('Mul', [update, 'lr'])], {}, `${p.name}.next`);
}

/**
 * One training step as a graph: forward, mean softmax cross-entropy, the
 * hand-written backward pass, and the AdamW update.
 *
 * inputs:  x [B,D], y [B,C] one-hot, lr, bc1 = 1−β1^t, bc2 = 1−β2^t, and for
 *          each parameter p: p, p.m, p.v
 * outputs: loss, logits, then p.next, p.m.next, p.v.next for each p
 *          (and p.grad when `exposeGradients`, for the gradient check)
 */
export function buildTrainStepGraph(
  shape: HeadShape,
  options: { dtype?: FloatType; adamw?: AdamWOptions; exposeGradients?: boolean } = {},
): ModelProto {
  const dtype = options.dtype ?? 'float32';
  const adamw = options.adamw ?? DEFAULT_ADAMW;
  const g = new GraphBuilder('step/');
  const c = (v: number) => g.scalar(v, dtype);
  const x = g.input('x', dtype, ['batch', shape.inputDim]);
  const y = g.input('y', dtype, ['batch', shape.classes]);
  g.input('lr', dtype, []);
  g.input('bc1', dtype, []);
  g.input('bc2', dtype, []);
  const params = headParams(shape);
  for (const p of params) {
    g.input(p.name, dtype, p.dims);
    g.input(`${p.name}.m`, dtype, p.dims);
    g.input(`${p.name}.v`, dtype, p.dims);
  }

  const fwd = addHeadForward(g, x, shape, (n) => n);
  const logSoftmax = g.node('LogSoftmax', [fwd.logits], { axis: 1 });
  const batch = g.node(
    'Cast',
    [g.node('Gather', [g.node('Shape', [x]), g.constant('i0', 'int64', [], BigInt64Array.of(0n))])],
    {
      to: ONNX_FLOAT[dtype],
    },
  );
  const nll = g.node('Neg', [
    g.node('ReduceSum', [g.node('Mul', [y, logSoftmax]), g.axes(0, 1)], { keepdims: 0 }),
  ]);
  g.node('Div', [nll, batch], {}, 'loss');
  g.node('Identity', [fwd.logits], {}, 'logits');

  // d loss / d logits = (softmax − y) / B
  const dLogits = g.node('Div', [g.node('Sub', [g.node('Exp', [logSoftmax]), y]), batch]);
  const grads = new Map<string, string>();
  const sumRows = (t: string) => g.node('ReduceSum', [t, g.axes(0)], { keepdims: 0 });
  if (shape.hidden <= 0) {
    grads.set('w', g.node('Gemm', [x, dLogits], { transA: 1 }));
    grads.set('b', sumRows(dLogits));
  } else {
    grads.set('w2', g.node('Gemm', [fwd.act as string, dLogits], { transA: 1 }));
    grads.set('b2', sumRows(dLogits));
    const dAct = g.node('Gemm', [dLogits, 'w2'], { transB: 1 });
    const reluMask = g.node('Cast', [g.node('Greater', [fwd.pre as string, c(0)])], {
      to: ONNX_FLOAT[dtype],
    });
    const dPre = g.node('Mul', [dAct, reluMask]);
    grads.set('w1', g.node('Gemm', [x, dPre], { transA: 1 }));
    grads.set('b1', sumRows(dPre));
  }

  for (const p of params) {
    const grad = grads.get(p.name) as string;
    if (options.exposeGradients) g.node('Identity', [grad], {}, `${p.name}.grad`);
    addAdamWUpdate(g, p, grad, adamw, dtype);
  }

  g.output('loss', dtype, []);
  g.output('logits', dtype, ['batch', shape.classes]);
  for (const p of params) {
    if (options.exposeGradients) g.output(`${p.name}.grad`, dtype, p.dims);
    g.output(`${p.name}.next`, dtype, p.dims);
    g.output(`${p.name}.m.next`, dtype, p.dims);
    g.output(`${p.name}.v.next`, dtype, p.dims);
  }
  return g.build({ graphName: 'train_step' });
}

/** Forward only: x and the parameters in, logits out (validation and evaluation). */
export function buildForwardGraph(shape: HeadShape, dtype: FloatType = 'float32'): ModelProto {
  const g = new GraphBuilder('fwd/');
  const x = g.input('x', dtype, ['batch', shape.inputDim]);
  for (const p of headParams(shape)) g.input(p.name, dtype, p.dims);
  const fwd = addHeadForward(g, x, shape, (n) => n);
  g.node('Identity', [fwd.logits], {}, 'logits');
  g.output('logits', dtype, ['batch', shape.classes]);
  return g.build({ graphName: 'head_forward' });
}
