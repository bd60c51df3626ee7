import type { LeakagePair } from './prepared-manifest.js';
import type { ScanResult } from './scan-dataset.js';

/**
 * Validation and test examples whose MinHash signature is within `threshold`
 * of a training example's: the training set would leak into the evaluation.
 * Queries the scan's own LSH index, considering training entries only.
 */
export function checkLeakage(scan: ScanResult, assign: Uint8Array, threshold: number): LeakagePair[] {
  const index = scan.nearIndex;
  if (!index) return [];
  const isTrain = (j: number) => assign[j] === 0;
  const pairs: LeakagePair[] = [];
  for (let i = 0; i < assign.length; i++) {
    if (assign[i] === 0) continue;
    const hit = index.queryEntry(i, threshold, isTrain);
    if (!hit) continue;
    const t = hit.index;
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
