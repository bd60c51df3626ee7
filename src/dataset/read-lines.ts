import { createReadStream } from 'node:fs';

/**
 * Longest line read as a record, in characters. No provider takes an example
 * near this size (OpenAI 65,536 tokens, Vertex 131,072); past it a line (or CSV
 * record) is rejected by length, so one huge line cannot take gigabytes to parse and count.
 */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** A batch of lines and the 1-based number of the first one. */
export interface LineBatch {
  firstLine: number;
  lines: string[];
  /** Lines over `maxLineChars`: index in `lines` (which holds '' there) → the line's length in characters. */
  oversized?: Map<number, number>;
}

/**
 * Streams a text file as batches of lines (LF or CRLF, BOM stripped). Batches
 * keep the per-line async overhead out of hot loops; memory is one chunk plus
 * one partial line, and a line longer than `maxLineChars` is measured and
 * skipped instead of held (reported in `oversized`).
 */
export async function* readLineBatches(
  file: string,
  chunkSize = 1 << 20,
  maxLineChars = Number.POSITIVE_INFINITY,
): AsyncGenerator<LineBatch> {
  let rest = '';
  let lineNo = 1;
  let first = true;
  // While > 0, the current line is over the limit: only its length is kept.
  let skipped = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: chunkSize })) {
    let text = chunk as string;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let oversized: Map<number, number> | undefined;
    const lines: string[] = [];
    if (skipped > 0) {
      const end = text.indexOf('\n');
      if (end === -1) {
        skipped += text.length;
        continue;
      }
      oversized = new Map([[0, skipped + end]]);
      lines.push('');
      skipped = 0;
      text = text.slice(end + 1);
    } else {
      text = rest + text;
    }
    const split = text.split('\n');
    rest = split.pop() ?? '';
    for (const l of split) {
      if (l.length > maxLineChars) {
        oversized ??= new Map();
        oversized.set(lines.length, l.length);
        lines.push('');
      } else lines.push(l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l);
    }
    if (rest.length > maxLineChars) {
      skipped = rest.length;
      rest = '';
    }
    if (lines.length > 0) {
      yield { firstLine: lineNo, lines, ...(oversized ? { oversized } : {}) };
      lineNo += lines.length;
    }
  }
  if (skipped > 0) {
    yield { firstLine: lineNo, lines: [''], oversized: new Map([[0, skipped]]) };
  } else if (rest.length > 0) {
    yield { firstLine: lineNo, lines: [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest] };
  }
}
