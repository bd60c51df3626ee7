import { seededRandom } from '../../../src/seeded-random.js';
import { f, GraphBuilder, type ModelProto } from '../onnx-graph-builder.js';

/**
 * Tiny random decoders in the layout Optimum exports (`text-generation-with-past`):
 * inputs `input_ids`, `attention_mask`, `position_ids`, `past_key_values.N.key/value`;
 * outputs `logits`, `present.N.key/value`; linear layers as MatMul nodes named by
 * module path (`/model/layers.1/mlp/down_proj/MatMul`, `/lm_head/MatMul`), as the
 * PyTorch exporter names them. Tests and benches build them here: nothing is downloaded.
 */
export interface DecoderShape {
  family: 'llama' | 'gpt2';
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  /** Grouped-query attention: fewer key/value heads than query heads (Llama family). */
  kvHeads: number;
  intermediate: number;
  maxPositions: number;
  /** LM head shares the input embedding table. */
  tied: boolean;
  ropeTheta: number;
  eps: number;
  seed: number;
}

export const DEFAULT_LLAMA_SHAPE: Omit<DecoderShape, 'vocabSize'> = {
  family: 'llama',
  hidden: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  intermediate: 128,
  maxPositions: 256,
  tied: true,
  ropeTheta: 10000,
  eps: 1e-5,
  seed: 7,
};

class Weights {
  private readonly random: () => number;
  constructor(
    private readonly g: GraphBuilder,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }
  private normal(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
  random2d(name: string, dims: number[], std: number): string {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = this.normal() * std;
    return this.g.initializer(name, 'float32', dims, data);
  }
  fill(name: string, dims: number[], value: number): string {
    return this.g.initializer(
      name,
      'float32',
      dims,
      new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value),
    );
  }
}

/** Graph-wide values every layer uses: sequence lengths, the attention mask, rotary tables. */
interface Shared {
  mask4: string;
  cos?: string;
  sin?: string;
}

function int64(g: GraphBuilder, ...values: number[]): string {
  return g.constant('i64', 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
}

/** Causal mask over past + new positions, combined with `attention_mask`: bool [b, 1, s, T]. */
function attentionMask(g: GraphBuilder): string {
  const zero = g.constant('i0', 'int64', [], BigInt64Array.of(0n));
  const one = g.constant('i1', 'int64', [], BigInt64Array.of(1n));
  const total = g.node('Gather', [g.node('Shape', ['attention_mask']), one]);
  const fresh = g.node('Gather', [g.node('Shape', ['input_ids']), one]);
  const past = g.node('Sub', [total, fresh]);
  const keyPos = g.node('Unsqueeze', [g.node('Range', [zero, total, one]), int64(g, 0)]);
  const queryPos = g.node('Unsqueeze', [g.node('Range', [past, total, one]), int64(g, 1)]);
  const causal = g.node('LessOrEqual', [keyPos, queryPos]);
  const padding = g.node('Unsqueeze', [g.node('Cast', ['attention_mask'], { to: 9 }), int64(g, 1, 2)]);
  return g.node('And', [causal, padding]);
}

function rotaryTables(g: GraphBuilder, shape: DecoderShape): { cos: string; sin: string } {
  const headDim = shape.hidden / shape.heads;
  const inv = Float32Array.from({ length: headDim / 2 }, (_, i) => shape.ropeTheta ** ((-2 * i) / headDim));
  const pos = g.node('Unsqueeze', [g.node('Cast', ['position_ids'], { to: 1 }), int64(g, 2)]);
  const freqs = g.node('Mul', [pos, g.constant('inv_freq', 'float32', [headDim / 2], inv)]);
  const emb = g.node('Concat', [freqs, freqs], { axis: -1 });
  return {
    cos: g.node('Unsqueeze', [g.node('Cos', [emb]), int64(g, 1)]),
    sin: g.node('Unsqueeze', [g.node('Sin', [emb]), int64(g, 1)]),
  };
}

function rotate(g: GraphBuilder, x: string, shared: Shared, headDim: number): string {
  const half = headDim / 2;
  const x1 = g.node('Slice', [x, int64(g, 0), int64(g, half), int64(g, 3)]);
  const x2 = g.node('Slice', [x, int64(g, half), int64(g, headDim), int64(g, 3)]);
  const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: 3 });
  return g.node('Add', [
    g.node('Mul', [x, shared.cos as string]),
    g.node('Mul', [rotated, shared.sin as string]),
  ]);
}

function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number, path: string): string {
  const meanSquare = g.node('ReduceMean', [g.node('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const inv = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [meanSquare, g.scalar(eps)])])]);
  return g.namedNode(`${path}/Mul_1`, 'Mul', [g.node('Mul', [x, inv]), weight]);
}

function linear(
  g: GraphBuilder,
  w: Weights,
  path: string,
  x: string,
  dims: [number, number],
  bias: boolean,
): string {
  const weight = w.random2d(`${path.slice(1).replaceAll('/', '.')}.weight`, dims, 1 / Math.sqrt(dims[0]));
  const out = g.namedNode(`${path}/MatMul`, 'MatMul', [x, weight]);
  if (!bias) return out;
  return g.namedNode(`${path}/Add`, 'Add', [
    out,
    w.fill(`${path.slice(1).replaceAll('/', '.')}.bias`, [dims[1]], 0),
  ]);
}

/** [b, s, heads·hd] → [b, heads, s, hd] */
function splitHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.node('Transpose', [g.node('Reshape', [x, int64(g, 0, 0, heads, headDim)])], {
    perm: [0, 2, 1, 3],
  });
}

function attention(
  g: GraphBuilder,
  w: Weights,
  shape: DecoderShape,
  layer: number,
  x: string,
  shared: Shared,
): string {
  const { hidden, heads, kvHeads } = shape;
  const headDim = hidden / heads;
  const path = shape.family === 'llama' ? `/model/layers.${layer}/self_attn` : `/transformer/h.${layer}/attn`;
  const bias = shape.family === 'gpt2';
  let q = splitHeads(g, linear(g, w, `${path}/q_proj`, x, [hidden, heads * headDim], bias), heads, headDim);
  let k = splitHeads(
    g,
    linear(g, w, `${path}/k_proj`, x, [hidden, kvHeads * headDim], bias),
    kvHeads,
    headDim,
  );
  const v = splitHeads(
    g,
    linear(g, w, `${path}/v_proj`, x, [hidden, kvHeads * headDim], bias),
    kvHeads,
    headDim,
  );
  if (shape.family === 'llama') {
    q = rotate(g, q, shared, headDim);
    k = rotate(g, k, shared, headDim);
  }
  const keys = g.node('Concat', [`past_key_values.${layer}.key`, k], { axis: 2 }, `present.${layer}.key`);
  const values = g.node(
    'Concat',
    [`past_key_values.${layer}.value`, v],
    { axis: 2 },
    `present.${layer}.value`,
  );
  // Grouped-query attention: each key/value head serves heads/kvHeads query heads.
  const repeat = (t: string) =>
    kvHeads === heads
      ? t
      : g.node('Reshape', [
          g.node('Expand', [g.node('Unsqueeze', [t, int64(g, 2)]), int64(g, 1, 1, heads / kvHeads, 1, 1)]),
          int64(g, 0, heads, -1, headDim),
        ]);
  const scores = g.node('Mul', [
    g.node('MatMul', [q, g.node('Transpose', [repeat(keys)], { perm: [0, 1, 3, 2] })]),
    g.scalar(1 / Math.sqrt(headDim)),
  ]);
  const masked = g.node('Where', [shared.mask4, scores, g.scalar(-1e9)]);
  const probs = g.node('Softmax', [masked], { axis: -1 });
  const merged = g.node('Reshape', [
    g.node('Transpose', [g.node('MatMul', [probs, repeat(values)])], { perm: [0, 2, 1, 3] }),
    int64(g, 0, 0, hidden),
  ]);
  return linear(
    g,
    w,
    shape.family === 'llama' ? `${path}/o_proj` : `${path}/c_proj`,
    merged,
    [hidden, hidden],
    bias,
  );
}

function mlp(g: GraphBuilder, w: Weights, shape: DecoderShape, layer: number, x: string): string {
  const { hidden, intermediate } = shape;
  if (shape.family === 'llama') {
    const path = `/model/layers.${layer}/mlp`;
    const gate = linear(g, w, `${path}/gate_proj`, x, [hidden, intermediate], false);
    const up = linear(g, w, `${path}/up_proj`, x, [hidden, intermediate], false);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up]);
    return linear(g, w, `${path}/down_proj`, act, [intermediate, hidden], false);
  }
  const path = `/transformer/h.${layer}/mlp`;
  const pre = linear(g, w, `${path}/c_fc`, x, [hidden, intermediate], true);
  // gelu_new (tanh form), as GPT-2 uses.
  const cube = g.node('Mul', [g.node('Mul', [pre, pre]), pre]);
  const inner = g.node('Mul', [
    g.node('Add', [pre, g.node('Mul', [cube, g.scalar(0.044715)])]),
    g.scalar(Math.sqrt(2 / Math.PI)),
  ]);
  const act = g.node('Mul', [
    g.node('Mul', [pre, g.scalar(0.5)]),
    g.node('Add', [g.node('Tanh', [inner]), g.scalar(1)]),
  ]);
  return linear(g, w, `${path}/c_proj`, act, [intermediate, hidden], true);
}

function norm(g: GraphBuilder, w: Weights, shape: DecoderShape, path: string, x: string): string {
  const name = path.slice(1).replaceAll('/', '.');
  if (shape.family === 'llama')
    return rmsNorm(g, x, w.fill(`${name}.weight`, [shape.hidden], 1), shape.eps, path);
  return g.namedNode(
    `${path}/LayerNormalization`,
    'LayerNormalization',
    [x, w.fill(`${name}.weight`, [shape.hidden], 1), w.fill(`${name}.bias`, [shape.hidden], 0)],
    {
      axis: -1,
      epsilon: f(shape.eps),
    },
  );
}

export function buildTinyDecoder(shape: DecoderShape): ModelProto {
  const g = new GraphBuilder('');
  const w = new Weights(g, shape.seed);
  const headDim = shape.hidden / shape.heads;
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  for (let i = 0; i < shape.layers; i++) {
    for (const kind of ['key', 'value']) {
      g.input(`past_key_values.${i}.${kind}`, 'float32', [
        'batch_size',
        shape.kvHeads,
        'past_sequence_length',
        headDim,
      ]);
    }
  }
  const llama = shape.family === 'llama';
  const root = llama ? '/model' : '/transformer';
  const table = w.random2d(
    llama ? 'model.embed_tokens.weight' : 'transformer.wte.weight',
    [shape.vocabSize, shape.hidden],
    0.2,
  );
  let x = g.node('Gather', [table, 'input_ids']);
  if (!llama) {
    const positions = w.random2d('transformer.wpe.weight', [shape.maxPositions, shape.hidden], 0.1);
    x = g.node('Add', [x, g.node('Gather', [positions, 'position_ids'])]);
  }
  const shared: Shared = { mask4: attentionMask(g), ...(llama ? rotaryTables(g, shape) : {}) };
  for (let i = 0; i < shape.layers; i++) {
    const at = llama ? `${root}/layers.${i}` : `${root}/h.${i}`;
    const attnIn = norm(g, w, shape, llama ? `${at}/input_layernorm` : `${at}/ln_1`, x);
    x = g.namedNode(`${at}/Add`, 'Add', [x, attention(g, w, shape, i, attnIn, shared)]);
    const mlpIn = norm(g, w, shape, llama ? `${at}/post_attention_layernorm` : `${at}/ln_2`, x);
    x = g.namedNode(`${at}/Add_1`, 'Add', [x, mlp(g, w, shape, i, mlpIn)]);
  }
  const last = norm(g, w, shape, llama ? `${root}/norm` : `${root}/ln_f`, x);
  const head = shape.tied
    ? g.node('Transpose', [table], { perm: [1, 0] })
    : w.random2d('lm_head.weight', [shape.hidden, shape.vocabSize], 1 / Math.sqrt(shape.hidden));
  g.node('Identity', [g.namedNode('/lm_head/MatMul', 'MatMul', [last, head])], {}, 'logits');
  g.output('logits', 'float32', ['batch_size', 'sequence_length', shape.vocabSize]);
  for (let i = 0; i < shape.layers; i++) {
    for (const kind of ['key', 'value']) {
      g.output(`present.${i}.${kind}`, 'float32', [
        'batch_size',
        shape.kvHeads,
        'total_sequence_length',
        headDim,
      ]);
    }
  }
  return g.build({ graphName: `tiny-${shape.family}` });
}
