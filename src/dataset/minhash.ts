import type { ExampleDraft } from './map-record.js';

/** Signature length: 32 one-permutation MinHash bins (8 LSH bands of 4). */
export const MINHASH_BINS = 32;
const BIN_SHIFT = 27; // top 5 bits pick the bin
const VALUE_MASK = (1 << BIN_SHIFT) - 1;
const EMPTY = 0xffffffff;
const SHINGLE = 5;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lower-case words joined by single spaces: case, punctuation and spacing do not make texts differ. */
export function shingleText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * One-permutation MinHash (Li, Owen & Zhang 2012) over character 5-gram
 * shingles, with rotation densification for empty bins: one hash per shingle
 * instead of one per shingle per permutation. Writes MINHASH_BINS values into
 * `out` at `offset`.
 */
export function minhashInto(text: string, out: Uint32Array, offset: number): void {
  const s = shingleText(text);
  for (let b = 0; b < MINHASH_BINS; b++) out[offset + b] = EMPTY;
  const last = Math.max(0, s.length - SHINGLE);
  for (let i = 0; i <= last; i++) {
    let h = 0x811c9dc5;
    const end = Math.min(s.length, i + SHINGLE);
    for (let j = i; j < end; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
    h = fmix32(h);
    const bin = offset + (h >>> BIN_SHIFT);
    const value = h & VALUE_MASK;
    if (value < out[bin]!) out[bin] = value;
  }
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
