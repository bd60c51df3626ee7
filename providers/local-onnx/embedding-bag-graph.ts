import { GraphBuilder, type ModelProto } from './onnx-graph-builder.js';

/** Initializer names of the embedding-bag base; base-model.ts extends them when it adds words. */
export const EMBEDDING_INITIALIZER = 'embeddings';
export const TOKEN_WEIGHT_INITIALIZER = 'token_weight';

export interface EmbeddingBagOptions {
  /** float16 table, [vocab, dim] row-major (IEEE half bits). */
  embeddings: Uint16Array;
  /** float16 per-token pooling weight, [vocab]: 0 keeps a token (pad, unknown) out of the pooling. */
  tokenWeight: Uint16Array;
  vocabSize: number;
  dim: number;
  metadata?: Record<string, string>;
}

/**
 * input_ids, attention_mask → pooled = [masked mean ; masked max] of the word
 * vectors, float32 [batch, 2·dim]. Mean + max pooling is worth several points
 * over mean alone on intent data (NOTES.md).
 */
export function buildEmbeddingBagGraph(options: EmbeddingBagOptions): ModelProto {
  const g = new GraphBuilder('base/');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  g.initializer(EMBEDDING_INITIALIZER, 'float16', [options.vocabSize, options.dim], options.embeddings);
  g.initializer(TOKEN_WEIGHT_INITIALIZER, 'float16', [options.vocabSize], options.tokenWeight);

  const emb = g.node('Cast', [g.node('Gather', [EMBEDDING_INITIALIZER, ids], { axis: 0 })], { to: 1 });
  const tokenWeight = g.node('Cast', [g.node('Gather', [TOKEN_WEIGHT_INITIALIZER, ids], { axis: 0 })], {
    to: 1,
  });
  const weight = g.node('Mul', [tokenWeight, g.node('Cast', [mask], { to: 1 })]);
  const weight3 = g.node('Unsqueeze', [weight, g.axes(2)]);
  const weighted = g.node('Mul', [emb, weight3]);
  const sum = g.node('ReduceSum', [weighted, g.axes(1)], { keepdims: 0 });
  const count = g.node('ReduceSum', [weight, g.axes(1)], { keepdims: 1 });
  const mean = g.node('Div', [sum, g.node('Max', [count, g.scalar(1)])]);
  // Excluded positions get −1e4 so they never win the max; an all-excluded row pools to 0.
  const penalty = g.node('Mul', [g.node('Sub', [weight3, g.scalar(1)]), g.scalar(1e4)]);
  const max = g.node('ReduceMax', [g.node('Add', [weighted, penalty])], { axes: [1], keepdims: 0 });
  const maxed = g.node('Mul', [max, g.node('Min', [count, g.scalar(1)])]);
  g.node('Concat', [mean, maxed], { axis: 1 }, 'pooled');
  g.output('pooled', 'float32', ['batch', 2 * options.dim]);
  return g.build({ graphName: 'embedding_bag', metadata: options.metadata });
}
