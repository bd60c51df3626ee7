import { deriveSeed, seededRandom } from '../seeded-random.js';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/**
 * Assigns each example (by dense index) to a split: 0 train, 1 validation,
 * 2 test. Within each stratum the members are shuffled with a PRNG seeded from
 * the seed and the stratum's name, then cut at the ratios, so every label keeps
 * its proportion and the plan depends only on (input, seed).
 */
export function planSplit(
  strata: Uint32Array,
  strataNames: readonly string[],
  ratios: readonly [number, number, number],
  seed: number,
): Uint8Array {
  const n = strata.length;
  const counts = new Int32Array(strataNames.length + 1);
  for (let i = 0; i < n; i++) counts[strata[i]! + 1]!++;
  for (let s = 1; s < counts.length; s++) counts[s]! += counts[s - 1]!;
  const order = new Int32Array(n);
  const fill = counts.slice();
  for (let i = 0; i < n; i++) order[fill[strata[i]!]!++] = i;
  const assign = new Uint8Array(n);
  const total = ratios[0] + ratios[1] + ratios[2];
  for (let s = 0; s < strataNames.length; s++) {
    const from = counts[s]!;
    const size = counts[s + 1]! - from;
    const random = seededRandom(deriveSeed(seed, strataNames[s]!));
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[from + i]!;
      order[from + i] = order[from + j]!;
      order[from + j] = t;
    }
    const nTrain = Math.round((size * ratios[0]) / total);
    const nVal = Math.round((size * (ratios[0] + ratios[1])) / total) - nTrain;
    for (let k = 0; k < size; k++) assign[order[from + k]!] = k < nTrain ? 0 : k < nTrain + nVal ? 1 : 2;
  }
  return assign;
}
