import type { BaseModel } from './base-model.js';
import type { TrainedHead } from './head-trainer.js';
import { decodeModel, GraphBuilder, type ModelProto } from './onnx-graph-builder.js';
import { addHeadForward } from './train-step-graph.js';
import type { WordCountVocabulary } from './word-count-features.js';

export interface MergeInput {
  base: BaseModel;
  head: TrainedHead;
  /** The TF-IDF word-count part, averaged into the log-probabilities with `weight`. */
  wordCounts?: { head: TrainedHead; vocabulary: WordCountVocabulary; weight: number };
  labels: readonly string[];
  metadata?: Record<string, string>;
}

/**
 * One inference file: the frozen base graph with the head(s) appended under
 * `head/` and `words/` names. Outputs `probabilities` [B,C], `label` (index)
 * [B] and the base's pooled state; label names sit in the model metadata.
 */
export function buildMergedModel(input: MergeInput): ModelProto {
  const { base, head, labels } = input;
  const model = decodeModel(base.modelBytes);
  const g = GraphBuilder.extend(model, 'head/');
  g.clearOutputs();
  const classes = labels.length;
  const pooled = base.config.output;
  let x = pooled;
  if (head.mean && head.std) {
    const mean = g.initializer('head/mean', 'float32', [head.shape.inputDim], head.mean);
    const std = g.initializer('head/std', 'float32', [head.shape.inputDim], head.std);
    x = g.node('Div', [g.node('Sub', [pooled, mean]), std]);
  }
  const logits = addHeadForward(g, x, head.shape, (name) =>
    g.initializer(`head/${name}`, 'float32', dimsOf(head, name), head.params[name] as Float32Array),
  ).logits;
  let scores = g.node('LogSoftmax', [logits], { axis: 1 });

  const wc = input.wordCounts;
  if (wc && wc.weight > 0) {
    const vocabSize = Math.max(...Object.values(base.tokenizerJson.model.vocab)) + 1;
    const columnOf = new BigInt64Array(vocabSize);
    for (const [id, col] of wc.vocabulary.columns) if (id < vocabSize) columnOf[id] = BigInt(col + 1);
    const idf = new Float32Array(wc.vocabulary.idf.length + 1);
    idf.set(wc.vocabulary.idf, 1);
    const w = wc.head.params.w as Float32Array;
    const table = new Float32Array((wc.vocabulary.idf.length + 1) * classes);
    table.set(w, classes);
    const ids = base.config.inputs.ids;
    const mask = base.config.inputs.mask;
    const column = g.node('Gather', [g.initializer('words/column', 'int64', [vocabSize], columnOf), ids], {
      axis: 0,
    });
    const weight = g.node('Mul', [
      g.node('Gather', [g.initializer('words/idf', 'float32', [idf.length], idf), column], { axis: 0 }),
      g.node('Cast', [mask], { to: 1 }),
    ]);
    const norm = g.node('Sqrt', [
      g.node('Max', [
        g.node('ReduceSum', [g.node('Mul', [weight, weight]), g.axes(1)], { keepdims: 1 }),
        g.scalar(1e-12),
      ]),
    ]);
    const rows = g.node(
      'Gather',
      [g.initializer('words/w', 'float32', [idf.length, classes], table), column],
      { axis: 0 },
    );
    const summed = g.node(
      'ReduceSum',
      [g.node('Mul', [rows, g.node('Unsqueeze', [weight, g.axes(2)])]), g.axes(1)],
      { keepdims: 0 },
    );
    const wordLogits = g.node('Add', [
      g.node('Div', [summed, norm]),
      g.initializer('words/b', 'float32', [classes], wc.head.params.b as Float32Array),
    ]);
    const wordScores = g.node('LogSoftmax', [wordLogits], { axis: 1 });
    scores = g.node('Add', [
      g.node('Mul', [scores, g.scalar(1 - wc.weight)]),
      g.node('Mul', [wordScores, g.scalar(wc.weight)]),
    ]);
  }
  g.node('Softmax', [scores], { axis: 1 }, 'probabilities');
  g.node('ArgMax', [scores], { axis: 1, keepdims: 0 }, 'label');
  g.output('probabilities', 'float32', ['batch', classes]);
  g.output('label', 'int64', ['batch']);
  g.output(pooled, 'float32', ['batch', base.config.hiddenSize]);
  return g.build({
    graphName: 'polytune_classifier',
    metadata: { 'polytune.kind': 'classifier', 'polytune.labels': JSON.stringify(labels), ...input.metadata },
  });
}

function dimsOf(head: TrainedHead, name: string): number[] {
  const { inputDim, hidden, classes } = head.shape;
  if (hidden <= 0) return name === 'w' ? [inputDim, classes] : [classes];
  return { w1: [inputDim, hidden], b1: [hidden], w2: [hidden, classes], b2: [classes] }[name] as number[];
}
