import { createRequire } from 'node:module';

type CountTokens = (text: string, options?: { disallowedSpecial?: Set<string> }) => number;
let reference: CountTokens | undefined;
/** gpt-tokenizer's counter, loaded on first use: a process whose counting runs in a worker never loads the tables. */
function countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number {
  reference ??= (
    createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }
  ).countTokens;
  return reference(text, options);
}

/**
 * o200k_base's pre-tokenizer (tiktoken's pattern, as gpt-tokenizer 4 spells
 * it). Sticky, so `test` walks a text piece by piece without match objects.
 */
const CONTRACTION = `(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?`;
export const O200K_SPLIT = new RegExp(
  String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+${CONTRACTION}|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*${CONTRACTION}|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  'uy',
);

// ASCII character classes of the pattern: \p{Lu}, \p{Ll}, \p{N}, \s, \r\n.
const UPPER = 1;
const LOWER = 2;
const DIGIT = 4;
const SPACE = 8;
const NEWLINE = 16;
const CLASS = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CLASS[c] = UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = LOWER;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (const c of [9, 11, 12, 32]) CLASS[c] = SPACE;
CLASS[10] = SPACE | NEWLINE;
CLASS[13] = SPACE | NEWLINE;
const LETTER = UPPER | LOWER;
const ALNUM = LETTER | DIGIT;

function cls(text: string, i: number, end: number): number {
  return i < end ? CLASS[text.charCodeAt(i)]! : 0x80;
}

/** `'s 't 're 've 'm 'll 'd` (any case) at `i`: its length, else 0. */
function contraction(text: string, i: number, end: number): number {
  if (i + 1 >= end || text.charCodeAt(i) !== 39) return 0;
  const a = text.charCodeAt(i + 1) | 32;
  if (a === 115 || a === 100 || a === 109 || a === 116) return 2; // s d m t
  if (i + 2 >= end) return 0;
  const b = text.charCodeAt(i + 2) | 32;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3; // ll ve re
  return 0;
}

/**
 * End of the o200k piece starting at `i` in an all-ASCII text: the same
 * leftmost-first alternatives as the pattern, without the regex engine.
 */
export function asciiPieceEnd(text: string, i: number, end: number): number {
  const c0 = CLASS[text.charCodeAt(i)]!;
  // Alternatives 1 and 2: an optional non-letter/digit/newline prefix, then letters.
  let j = i;
  if ((c0 & (ALNUM | NEWLINE)) === 0 && cls(text, i + 1, end) & LETTER) j = i + 1;
  if (cls(text, j, end) & LETTER) {
    while (cls(text, j, end) & UPPER) j++;
    while (cls(text, j, end) & LOWER) j++;
    return j + contraction(text, j, end);
  }
  // 3: one to three digits.
  if (c0 & DIGIT) {
    let k = i + 1;
    while (k < i + 3 && cls(text, k, end) & DIGIT) k++;
    return k;
  }
  // 4: optional space, punctuation run, then any \r \n /.
  let k = i;
  if (text.charCodeAt(k) === 32 && k + 1 < end && (CLASS[text.charCodeAt(k + 1)]! & (ALNUM | SPACE)) === 0)
    k++;
  if ((cls(text, k, end) & (ALNUM | SPACE | 0x80)) === 0) {
    while ((cls(text, k, end) & (ALNUM | SPACE | 0x80)) === 0) k++;
    for (;;) {
      const c = text.charCodeAt(k);
      if (k < end && (c === 10 || c === 13 || c === 47)) k++;
      else break;
    }
    return k;
  }
  // Whitespace: 5 (up to the last newline of the run), 6 (all but the last before a non-space), 7.
  let runEnd = i;
  let lastNewline = -1;
  while (runEnd < end && CLASS[text.charCodeAt(runEnd)]! & SPACE) {
    if (CLASS[text.charCodeAt(runEnd)]! & NEWLINE) lastNewline = runEnd;
    runEnd++;
  }
  if (lastNewline >= 0) return lastNewline + 1;
  if (runEnd === end || runEnd - i === 1) return runEnd;
  return runEnd - 1;
}

// Piece → token count in an open-addressing table keyed by a hash of the
// piece's characters, so a lookup builds no string. Natural text repeats its
// pieces (words with their leading space) constantly, so nearly every piece is
// a lookup; the table is cleared when half full, so memory stays flat (~10 MB).
const BITS = 18;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;
const MAX_FILL = SIZE >> 1;
const hashes = new Int32Array(SIZE);
const counts = new Int32Array(SIZE);
const keys: (string | undefined)[] = new Array(SIZE).fill(undefined);
let fill = 0;

function sameChars(key: string, text: string, from: number, to: number): boolean {
  if (key.length !== to - from) return false;
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== text.charCodeAt(from + k)) return false;
  return true;
}

/** A piece that re-splits into itself: its BPE count is countTokens(piece). */
function pieceCount(piece: string): number | undefined {
  O200K_SPLIT.lastIndex = 0;
  if (!O200K_SPLIT.test(piece) || O200K_SPLIT.lastIndex !== piece.length) return undefined;
  return countTokens(piece);
}

/** Count of text[from, to), cached; undefined when the piece cannot be counted alone. */
function lookup(text: string, from: number, to: number): number | undefined {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  h |= 1; // 0 marks an empty slot
  for (let slot = (h ^ (h >>> BITS)) & MASK; ; slot = (slot + 1) & MASK) {
    const s = hashes[slot]!;
    if (s === 0) break;
    if (s === h && sameChars(keys[slot]!, text, from, to)) return counts[slot];
  }
  // A long slice would keep its whole source text alive as a key: store a flat copy.
  const piece = text.slice(from, to);
  const n = pieceCount(piece);
  if (n === undefined) return undefined;
  if (fill >= MAX_FILL) {
    hashes.fill(0);
    keys.fill(undefined);
    fill = 0;
  }
  let slot = (h ^ (h >>> BITS)) & MASK;
  while (hashes[slot] !== 0) slot = (slot + 1) & MASK;
  hashes[slot] = h;
  counts[slot] = n;
  keys[slot] = piece.length > 12 ? (JSON.parse(JSON.stringify(piece)) as string) : piece;
  fill++;
  return n;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Exact o200k_base token count of a text, equal to gpt-tokenizer's
 * `countTokens` (tests compare them on real and random texts) and several
 * times faster: the text is split with the same pattern (by hand for ASCII
 * text) and each distinct piece's BPE count is cached. Special-token strings
 * such as `<|endoftext|>` count as plain text, where gpt-tokenizer would throw.
 */
export function countO200k(text: string): number {
  const len = text.length;
  const ascii = !NON_ASCII.test(text);
  let n = 0;
  let at = 0;
  while (at < len) {
    let end: number;
    if (ascii) end = asciiPieceEnd(text, at, len);
    else {
      O200K_SPLIT.lastIndex = at;
      end = O200K_SPLIT.test(text) ? O200K_SPLIT.lastIndex : at;
    }
    const c = end > at ? lookup(text, at, end) : undefined;
    if (c === undefined) return countTokens(text, { disallowedSpecial: new Set() });
    n += c;
    at = end;
  }
  return n;
}
