import type { ExampleDraft } from './map-record.js';

/** Signature length: 32 one-permutation MinHash bins (8 LSH bands of 4). */
export const MINHASH_BINS = 32;
const BIN_SHIFT = 27; // top 5 bits pick the bin
const VALUE_MASK = (1 << BIN_SHIFT) - 1;
const EMPTY = 0xffffffff;
const SHINGLE = 3;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const NON_ASCII = /[^\u0000-\u007f]/;
/** ASCII letter or digit → its lower-case code; anything else → 0 (a word break). */
const WORD_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) WORD_CHAR[c] = c;
for (let c = 97; c <= 122; c++) WORD_CHAR[c] = c;
for (let c = 65; c <= 90; c++) WORD_CHAR[c] = c + 32;

/** Lower-case words joined by single spaces: case, punctuation and spacing do not make texts differ. */
export function shingleText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * One-permutation MinHash (Li, Owen & Zhang 2012) over word 3-gram shingles
 * (a text of fewer than three words is one shingle), with rotation
 * densification for empty bins: one hash per shingle instead of one per
 * shingle per permutation. Word shingles keep unrelated texts far apart
 * (character n-grams make any two English texts look 30% alike), so LSH
 * buckets stay small. Writes MINHASH_BINS values into `out` at `offset`.
 */
export function minhashInto(text: string, out: Uint32Array, offset: number): void {
  for (let b = 0; b < MINHASH_BINS; b++) out[offset + b] = EMPTY;
  // Hash each word once, then combine SHINGLE consecutive word hashes.
  let h1 = 0;
  let h2 = 0;
  let words = 0;
  let h = 0x811c9dc5;
  const add = (shingle: number) => {
    const x = fmix32(shingle);
    const bin = offset + (x >>> BIN_SHIFT);
    const value = x & VALUE_MASK;
    if (value < out[bin]!) out[bin] = value;
  };
  const endWord = () => {
    words++;
    if (words >= SHINGLE) add(Math.imul(h1, 0x9e3779b1) ^ Math.imul(h2, 0x85ebca6b) ^ h);
    h1 = h2;
    h2 = h;
    h = 0x811c9dc5;
  };
  if (NON_ASCII.test(text)) {
    const s = shingleText(text);
    for (let i = 0; i <= s.length; i++) {
      const c = i < s.length ? s.charCodeAt(i) : 32;
      if (c !== 32) h = Math.imul(h ^ c, 0x01000193);
      else if (h !== 0x811c9dc5) endWord();
    }
  } else {
    // ASCII: the same words as shingleText (lower-cased letter/digit runs) without building it.
    for (let i = 0; i <= text.length; i++) {
      const c = i < text.length ? WORD_CHAR[text.charCodeAt(i)]! : 0;
      if (c !== 0) h = Math.imul(h ^ c, 0x01000193);
      else if (h !== 0x811c9dc5) endWord();
    }
  }
  if (words > 0 && words < SHINGLE) add(Math.imul(h1, 0x9e3779b1) ^ Math.imul(h2, 0x85ebca6b) ^ words);
  // Densify: an empty bin borrows the next non-empty bin's value, offset by the distance.
  for (let b = 0; b < MINHASH_BINS; b++) {
    if (out[offset + b] !== EMPTY) continue;
    for (let d = 1; d < MINHASH_BINS; d++) {
      const v = out[offset + ((b + d) % MINHASH_BINS)]!;
      if (v !== EMPTY && v <= VALUE_MASK) {
        out[offset + b] = (v + d * (VALUE_MASK + 1)) >>> 0;
        break;
      }
    }
  }
}

/** Estimated Jaccard similarity of two signatures. */
export function signatureSimilarity(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  let same = 0;
  for (let k = 0; k < MINHASH_BINS; k++) if (a[ai + k] === b[bi + k]) same++;
  return same / MINHASH_BINS;
}

/**
 * The text that decides whether two examples are near-duplicates. System
 * messages are left out (a shared system prompt would make every chat example
 * look alike); tool calls are kept (they are what differs in tool-use data).
 */
export function similarityText(example: ExampleDraft): string {
  switch (example.kind) {
    case 'chat': {
      let s = '';
      for (const m of example.messages) {
        if (m.role === 'system') continue;
        if (m.content) s += `${m.content}\n`;
        if (m.tool_calls) for (const c of m.tool_calls) s += `${c.function.name} ${c.function.arguments}\n`;
      }
      return s;
    }
    case 'completion':
      return `${example.prompt}\n${example.completion}`;
    case 'classification':
      return example.text;
    case 'preference':
      return `${example.input.map((m) => m.content ?? '').join('\n')}\n${example.preferred}\n${example.nonPreferred}`;
  }
}
