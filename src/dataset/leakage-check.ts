import { MINHASH_BINS } from './minhash.js';
import { NearDuplicateIndex } from './near-duplicate-index.js';
import type { LeakagePair } from './prepared-manifest.js';
import type { ScanResult } from './scan-dataset.js';

/**
 * Validation and test examples whose MinHash signature is within `threshold`
 * of a training example's: the training set would leak into the evaluation.
 */
export function checkLeakage(scan: ScanResult, assign: Uint8Array, threshold: number): LeakagePair[] {
  const source = scan.nearIndex;
  if (!source) return [];
  const store = source.store;
  const train = new NearDuplicateIndex();
  const trainIndex: number[] = [];
  for (let i = 0; i < assign.length; i++) {
    if (assign[i] !== 0) continue;
    train.add(store, i * MINHASH_BINS);
    trainIndex.push(i);
  }
  const pairs: LeakagePair[] = [];
  for (let i = 0; i < assign.length; i++) {
    if (assign[i] === 0) continue;
    const hit = train.query(store, i * MINHASH_BINS, threshold);
    if (!hit) continue;
    const t = trainIndex[hit.index]!;
    pairs.push({
      split: assign[i] === 1 ? 'validation' : 'test',
      id: scan.idOf(i),
      line: scan.lines[i],
      trainId: scan.idOf(t),
      trainLine: scan.lines[t],
      similarity: hit.similarity,
    });
  }
  return pairs;
}
