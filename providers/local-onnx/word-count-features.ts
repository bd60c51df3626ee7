import type { Features } from './base-features.js';

/**
 * The TF-IDF word-count part: each token id the training set uses becomes a
 * feature. A text's vector is Σ_tokens idf·e_token / √(Σ_tokens idf²), which
 * the merged ONNX graph computes exactly with two Gathers (see merged-model.ts).
 */
export interface WordCountVocabulary {
  /** Token id → feature column (ids absent from the map have no feature). */
  columns: Map<number, number>;
  /** idf per column. */
  idf: Float32Array;
}

export function buildWordCountVocabulary(
  docs: readonly number[][],
  excluded: ReadonlySet<number>,
  minCount = 1,
): WordCountVocabulary {
  const df = new Map<number, number>();
  for (const doc of docs)
    for (const id of new Set(doc)) if (!excluded.has(id)) df.set(id, (df.get(id) ?? 0) + 1);
  const kept = [...df].filter(([, n]) => n >= minCount).sort((a, b) => a[0] - b[0]);
  const columns = new Map<number, number>();
  const idf = new Float32Array(kept.length);
  kept.forEach(([id, n], col) => {
    columns.set(id, col);
    idf[col] = Math.log((1 + docs.length) / (1 + n)) + 1;
  });
  return { columns, idf };
}

export function wordCountFeatures(docs: readonly number[][], vocabulary: WordCountVocabulary): Features {
  const dim = vocabulary.idf.length;
  const data = new Float32Array(docs.length * dim);
  docs.forEach((doc, r) => {
    let norm = 0;
    for (const id of doc) {
      const col = vocabulary.columns.get(id);
      if (col === undefined) continue;
      const w = vocabulary.idf[col] as number;
      data[r * dim + col] += w;
      norm += w * w;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let c = 0; c < dim; c++) data[r * dim + c] *= inv;
    }
  });
  return { data, count: docs.length, dim };
}
