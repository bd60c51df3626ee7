import type { RawRecord } from './raw-record.js';
import { readLineBatches } from './read-lines.js';

/** JSON Lines: one value per line; blank lines are skipped (they hold no record). */
export async function* loadJsonl(file: string): AsyncGenerator<RawRecord[]> {
  let row = 0;
  for await (const { firstLine, lines } of readLineBatches(file)) {
    const out: RawRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
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
