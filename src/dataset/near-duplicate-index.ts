import { MINHASH_BINS, signatureSimilarity } from './minhash.js';
import { SignatureStore } from './signature-store.js';

const BANDS = 8;
const ROWS = MINHASH_BINS / BANDS;
// A band shared by very many examples (boilerplate) must not make lookups quadratic.
const MAX_CHAIN_STEPS = 64;
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;

function bandHash(sig: Uint32Array, offset: number, band: number): number {
  let h = 0x9e3779b1 ^ band;
  for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ sig[offset + band * ROWS + r]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Locality-sensitive hashing over MinHash signatures (8 bands of 4 bins).
 * Memory per entry: its 8 band hashes, each beside its chain link (64 bytes,
 * interleaved so a chain step touches one cache line, in fixed-size chunks so
 * nothing is copied as it grows) plus the bucket heads (32–64 bytes);
 * signatures live in a SignatureStore (spilled to a temp file) and are read
 * only for entries that share a band hash. Entries are dense indices 0..n-1 in
 * insertion order. Call `release()` when done.
 */
export class NearDuplicateIndex {
  private readonly signatures = new SignatureStore();
  // Per chunk: [hash, next] for entry e and band b at 2 * ((e % CHUNK) * BANDS + b).
  private links: Int32Array[] = [];
  private heads = new Int32Array(BANDS * 1024).fill(-1);
  private mask = 1023;
  private readonly candidate = new Uint32Array(MINHASH_BINS);
  private readonly probe = new Uint32Array(MINHASH_BINS);
  size = 0;

  /**
   * The most similar entry at or above `threshold` among those sharing a band
   * with `sig` (most recent first within a band; ties keep the first found).
   * `accept` limits the entries considered (and counted against the cap).
   */
  query(
    sig: Uint32Array,
    offset: number,
    threshold: number,
    accept?: (index: number) => boolean,
  ): { index: number; similarity: number } | undefined {
    let best: { index: number; similarity: number } | undefined;
    const width = this.mask + 1;
    for (let band = 0; band < BANDS; band++) {
      const h = bandHash(sig, offset, band) | 0;
      let steps = 0;
      for (let e = this.heads[band * width + (h & this.mask)]!; e !== -1 && steps < MAX_CHAIN_STEPS; ) {
        const links = this.links[e >>> CHUNK_BITS]!;
        const at = 2 * ((e & (CHUNK - 1)) * BANDS + band);
        if (links[at] === h && (!accept || accept(e))) {
          steps++;
          this.signatures.read(e, this.candidate, 0);
          const similarity = signatureSimilarity(sig, offset, this.candidate, 0);
          if (similarity >= threshold && (!best || similarity > best.similarity))
            best = { index: e, similarity };
        }
        e = links[at + 1]!;
      }
      if (best?.similarity === 1) break;
    }
    return best;
  }

  /** `query` for the stored signature of entry `index`. */
  queryEntry(
    index: number,
    threshold: number,
    accept?: (index: number) => boolean,
  ): { index: number; similarity: number } | undefined {
    this.signatures.read(index, this.probe, 0);
    return this.query(this.probe, 0, threshold, accept);
  }

  /** Adds a signature; returns its index. */
  add(sig: Uint32Array, offset: number): number {
    const index = this.signatures.append(sig, offset);
    this.size = index + 1;
    const chunk = index >>> CHUNK_BITS;
    if (chunk === this.links.length) this.links.push(new Int32Array(2 * CHUNK * BANDS));
    const base = 2 * (index & (CHUNK - 1)) * BANDS;
    for (let band = 0; band < BANDS; band++)
      this.links[chunk]![base + 2 * band] = bandHash(sig, offset, band) | 0;
    // About one entry per bucket: chains stay short.
    if (this.size > this.mask + 1) this.rehash();
    else this.link(index);
    return index;
  }

  private link(index: number): void {
    const width = this.mask + 1;
    const links = this.links[index >>> CHUNK_BITS]!;
    const base = 2 * (index & (CHUNK - 1)) * BANDS;
    for (let band = 0; band < BANDS; band++) {
      const slot = band * width + (links[base + 2 * band]! & this.mask);
      links[base + 2 * band + 1] = this.heads[slot]!;
      this.heads[slot] = index;
    }
  }

  private rehash(): void {
    this.mask = this.mask * 2 + 1;
    this.heads = new Int32Array(BANDS * (this.mask + 1)).fill(-1);
    for (let i = 0; i < this.size; i++) this.link(i);
  }

  /** Frees the signature file. */
  release(): void {
    this.signatures.release();
  }
}

/**
 * Exact-duplicate lookup: example id (64 bits, held by the caller per dense
 * index) → the first index that had it. The table holds only indices (4 bytes
 * a slot, at most half full), comparing ids through `idWords`.
 */
export class IdTable {
  private slots = new Int32Array(4096).fill(-1);
  private count = 0;

  /** `idWords(i)` gives example i's id as two 32-bit words at `[2i, 2i+1]` of the returned array. */
  constructor(private readonly idWords: () => Uint32Array) {}

  private static slotOf(hi: number, lo: number, mask: number): number {
    return (Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
  }

  get(hi: number, lo: number): number | undefined {
    const words = this.idWords();
    const mask = this.slots.length - 1;
    for (let slot = IdTable.slotOf(hi, lo, mask); ; slot = (slot + 1) & mask) {
      const i = this.slots[slot]!;
      if (i === -1) return undefined;
      if (words[2 * i] === hi && words[2 * i + 1] === lo) return i;
    }
  }

  /** Adds index `i` (its id must already be in `idWords`). */
  add(i: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.insert(i);
  }

  private insert(i: number): void {
    const words = this.idWords();
    const mask = this.slots.length - 1;
    let slot = IdTable.slotOf(words[2 * i]!, words[2 * i + 1]!, mask);
    while (this.slots[slot] !== -1) slot = (slot + 1) & mask;
    this.slots[slot] = i;
    this.count++;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.count = 0;
    for (let k = 0; k < old.length; k++) if (old[k] !== -1) this.insert(old[k]!);
  }
}
