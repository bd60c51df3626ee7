import { parseInput, type RawInput, type RawRecord } from './raw-record.js';
import { MAX_LINE_CHARS, readLineBatches } from './read-lines.js';

/**
 * JSON Lines: one value per line; blank lines are skipped (they hold no record).
 * Small batches (64 KB of text): the parsed records of one batch die young
 * instead of being promoted to the old generation. With `parse: false` lines
 * come back as text (`UnparsedLine`) for an example worker to parse.
 */
export function loadJsonl(file: string): AsyncGenerator<RawRecord[]>;
export function loadJsonl(file: string, options: { parse: boolean }): AsyncGenerator<RawInput[]>;
export async function* loadJsonl(file: string, { parse = true } = {}): AsyncGenerator<RawInput[]> {
  let row = 0;
  for await (const { firstLine, lines, oversized } of readLineBatches(file, 1 << 16, MAX_LINE_CHARS)) {
    const out: RawInput[] = [];
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
      const unparsed = { unparsed: text, line: firstLine + i, row };
      out.push(parse ? parseInput(unparsed) : unparsed);
    }
    if (out.length > 0) yield out;
  }
}
