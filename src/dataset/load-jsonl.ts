import type { RawRecord } from './raw-record.js';
import { MAX_LINE_CHARS, readLineBatches } from './read-lines.js';

/**
 * JSON Lines: one value per line; blank lines are skipped (they hold no record).
 * Small batches (64 KB of text): the parsed records of one batch die young
 * instead of being promoted to the old generation.
 */
export async function* loadJsonl(file: string): AsyncGenerator<RawRecord[]> {
  let row = 0;
  for await (const { firstLine, lines, oversized } of readLineBatches(file, 1 << 16, MAX_LINE_CHARS)) {
    const out: RawRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
      const size = oversized?.get(i);
      if (size !== undefined) {
        row++;
        const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} M`;
        out.push({
          ok: false,
          error: `line too long: ${mb(size)} characters, over the ${mb(MAX_LINE_CHARS)} limit for one record`,
          line: firstLine + i,
          row,
        });
        continue;
      }
      const text = lines[i]!;
      if (text.trim() === '') continue;
      row++;
      const line = firstLine + i;
      try {
        out.push({ ok: true, value: JSON.parse(text), line, row });
      } catch (error) {
        out.push({ ok: false, error: `not valid JSON: ${(error as Error).message}`, line, row });
      }
    }
    if (out.length > 0) yield out;
  }
}
