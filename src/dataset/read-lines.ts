import { createReadStream } from 'node:fs';

/** A batch of lines and the 1-based number of the first one. */
export interface LineBatch {
  firstLine: number;
  lines: string[];
}

/**
 * Streams a text file as batches of lines (LF or CRLF, BOM stripped). Batches
 * keep the per-line async overhead out of hot loops; memory is one chunk plus
 * one partial line.
 */
export async function* readLineBatches(file: string, chunkSize = 1 << 20): AsyncGenerator<LineBatch> {
  let rest = '';
  let lineNo = 1;
  let first = true;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: chunkSize })) {
    let text = rest + (chunk as string);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    if (lines.length > 0) {
      yield { firstLine: lineNo, lines };
      lineNo += lines.length;
    }
  }
  if (rest.length > 0) {
    yield { firstLine: lineNo, lines: [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest] };
  }
}
