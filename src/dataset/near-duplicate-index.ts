import { MINHASH_BINS, signatureSimilarity } from './minhash.js';

const BANDS = 8;
const ROWS = MINHASH_BINS / BANDS;
// A bucket shared by very many examples (boilerplate) must not make lookups quadratic.
const MAX_CHAIN_STEPS = 64;

/**
 * Locality-sensitive hashing over MinHash signatures, held in typed arrays
 * (about 170 bytes per example) so memory stays small and flat per example.
 * Entries are dense indices 0..n-1 in insertion order.
 */
export class NearDuplicateIndex {
  private signatures = new Uint32Array(MINHASH_BINS * 1024);
  private next = new Int32Array(BANDS * 1024);
  private heads = new Int32Array(BANDS * 2048).fill(-1);
  private mask = 2047;
  size = 0;

  /** Signature storage of entry `i` (for comparisons from outside). */
  get store(): Uint32Array {
    return this.signatures;
  }

  private bandHash(sig: Uint32Array, offset: number, band: number): number {
    let h = 0x9e3779b1 ^ band;
    for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ sig[offset + band * ROWS + r]!, 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** The most similar indexed entry at or above `threshold`, if any. */
  query(
    sig: Uint32Array,
    offset: number,
    threshold: number,
  ): { index: number; similarity: number } | undefined {
    let best: { index: number; similarity: number } | undefined;
    for (let band = 0; band < BANDS; band++) {
      const slot = this.bandHash(sig, offset, band) & this.mask;
      let steps = 0;
      for (let e = this.heads[band * (this.mask + 1) + slot]!; e !== -1 && steps < MAX_CHAIN_STEPS; steps++) {
        const index = e;
        const similarity = signatureSimilarity(sig, offset, this.signatures, index * MINHASH_BINS);
        if (similarity >= threshold && (!best || similarity > best.similarity)) best = { index, similarity };
        e = this.next[index * BANDS + band]!;
      }
      if (best?.similarity === 1) break;
    }
    return best;
  }

  /** Adds a signature; returns its index. */
  add(sig: Uint32Array, offset: number): number {
    const index = this.size++;
    if ((index + 1) * MINHASH_BINS > this.signatures.length) {
      const grown = new Uint32Array(this.signatures.length * 2);
      grown.set(this.signatures);
      this.signatures = grown;
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
    }
    this.signatures.set(sig.subarray(offset, offset + MINHASH_BINS), index * MINHASH_BINS);
    if (this.size > this.mask + 1) this.rehash();
    else this.link(index);
    return index;
  }

  private link(index: number): void {
    const width = this.mask + 1;
    for (let band = 0; band < BANDS; band++) {
      const slot = band * width + (this.bandHash(this.signatures, index * MINHASH_BINS, band) & this.mask);
      this.next[index * BANDS + band] = this.heads[slot]!;
      this.heads[slot] = index;
    }
  }

  private rehash(): void {
    this.mask = this.mask * 2 + 1;
    this.heads = new Int32Array(BANDS * (this.mask + 1)).fill(-1);
    for (let i = 0; i < this.size; i++) this.link(i);
  }
}

/**
 * A set of example ids (their first 52 bits) in typed arrays, mapping each to
 * the dense index of the example that first had it.
 */
export class IdTable {
  private keys = new Float64Array(4096);
  private values = new Int32Array(4096).fill(-1);
  private count = 0;

  private static key(id: string): number {
    return Number.parseInt(id.slice(0, 13), 16) + 1; // never 0, the empty marker
  }

  get(id: string): number | undefined {
    const key = IdTable.key(id);
    const mask = this.keys.length - 1;
    for (let slot = key % (mask + 1); ; slot = (slot + 1) & mask) {
      const k = this.keys[slot]!;
      if (k === 0) return undefined;
      if (k === key) return this.values[slot];
    }
  }

  set(id: string, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    this.insert(IdTable.key(id), value);
  }

  private insert(key: number, value: number): void {
    const mask = this.keys.length - 1;
    for (let slot = key % (mask + 1); ; slot = (slot + 1) & mask) {
      const k = this.keys[slot]!;
      if (k === 0 || k === key) {
        if (k === 0) this.count++;
        this.keys[slot] = key;
        this.values[slot] = value;
        return;
      }
    }
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(values.length * 2).fill(-1);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.insert(keys[i]!, values[i]!);
  }
}
