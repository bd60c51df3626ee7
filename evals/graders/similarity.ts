import { requireValue } from './grader-config-error.js';
import type { GraderHandler } from './grader-types.js';

/** Lower-cased word tokens without punctuation (SQuAD-style normalisation, articles kept). */
export function tokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Token-overlap F1 between a prediction and a reference (bag of words, counts respected). */
export function tokenF1(prediction: string, reference: string): number {
  const p = tokens(prediction);
  const r = tokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of p) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      overlap++;
      counts.set(t, left - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / p.length;
  const recall = overlap / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** ROUGE-L F-measure (β = 1) from the longest common subsequence of tokens. */
export function rougeL(prediction: string, reference: string): number {
  const p = tokens(prediction);
  const r = tokens(reference);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  // One row of the LCS table at a time: memory O(|r|).
  let prev = new Array<number>(r.length + 1).fill(0);
  for (const pt of p) {
    const row = new Array<number>(r.length + 1).fill(0);
    for (let j = 1; j <= r.length; j++) {
      row[j] =
        pt === r[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, row[j - 1] as number);
    }
    prev = row;
  }
  const lcs = prev[r.length] as number;
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

export const similarity: GraderHandler<'similarity'> = (output, testCase, spec) => {
  const reference = String(requireValue(spec.value, testCase.expected, 'similarity'));
  const score = spec.metric === 'f1' ? tokenF1(output, reference) : rougeL(output, reference);
  const pass = score >= spec.threshold;
  const name = spec.metric === 'f1' ? 'token F1' : 'ROUGE-L';
  return {
    pass,
    score,
    reason: `${name} ${score.toFixed(3)} ${pass ? '≥' : '<'} threshold ${spec.threshold}`,
  };
};
