/**
 * A set of strings kept as 64-bit hashes in one typed array (8 bytes a key,
 * open addressing), for the ids and resume keys of suites with hundreds of
 * thousands of cases: a `Set<string>` holds every string plus ~50 bytes of
 * overhead each. Two distinct keys share a hash with probability about
 * n² / 2⁶⁵ (3 × 10⁻¹⁰ at 100,000 keys), which is the price of not storing them.
 */
export class KeySet {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Uint32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    hash64(key);
    return this.find(h1, h2) >= 0;
  }

  /** Adds the key; false when it was already there. */
  add(key: string): boolean {
    hash64(key);
    if (this.find(h1, h2) >= 0) return false;
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.insert(h1, h2);
    this.count++;
    return true;
  }

  private find(a: number, b: number): number {
    const slots = this.slots;
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const x = slots[2 * i] as number;
      const y = slots[2 * i + 1] as number;
      if (x === 0 && y === 0) return -1;
      if (x === a && y === b) return i;
    }
  }

  private insert(a: number, b: number): void {
    const slots = this.slots;
    let i = a & this.mask;
    while (slots[2 * i] !== 0 || slots[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    slots[2 * i] = a;
    slots[2 * i + 1] = b;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) this.insert(a, b);
    }
  }
}

// The last hash, as two unsigned 32-bit halves (no allocation per key).
let h1 = 0;
let h2 = 0;

/** cyrb53-style mixing over UTF-16 code units; (0, 0) marks an empty slot, so it is remapped. */
function hash64(key: string): void {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  h1 = a >>> 0;
  h2 = b >>> 0;
  if (h1 === 0 && h2 === 0) h2 = 1;
}
