import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { PolytuneError } from '../errors.js';
import type { RawRecord } from './raw-record.js';
import { MAX_LINE_CHARS } from './read-lines.js';

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * CSV (or TSV) through csv-parse: quoted multi-line fields, CRLF and a BOM.
 * The first record is the header; each row becomes an object keyed by it.
 * csv-parse's own `info.lines` counts CR and LF separately in quoted CRLF
 * fields, so the starting line is counted from each record's raw text instead
 * (its delimiter is reported without the final LF).
 */
export async function* loadCsv(file: string, delimiter = ','): AsyncGenerator<RawRecord[]> {
  const parser = createReadStream(file).pipe(
    parse({ bom: true, raw: true, relax_column_count: true, delimiter, max_record_size: MAX_LINE_CHARS }),
  );
  let header: string[] | undefined;
  let line = 1;
  let row = 0;
  let out: RawRecord[] = [];
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const start = line;
      line += countNewlines(raw) + (raw.endsWith('\n') ? 0 : 1);
      if (record.length === 1 && record[0] === '') continue; // an empty line
      if (!header) {
        header = record.map((h) => h.trim());
        continue;
      }
      row++;
      if (record.length !== header.length) {
        out.push({
          ok: false,
          error: `expected ${header.length} fields (${header.join(', ')}), found ${record.length}`,
          line: start,
          row,
        });
      } else {
        const value: Record<string, string> = {};
        for (let i = 0; i < header.length; i++) value[header[i]!] = record[i]!;
        out.push({ ok: true, value, line: start, row });
      }
      if (out.length >= 1024) {
        yield out;
        out = [];
      }
    }
  } catch (error) {
    const err = error as Error & { lines?: number };
    throw new PolytuneError('INVALID_INPUT', `cannot parse CSV: ${err.message}`, {
      file,
      // The parser reads ahead of the records handed out: its own line count is where it stopped.
      line: typeof err.lines === 'number' && err.lines > line ? err.lines : line,
      cause: error,
      hint: 'Check the quoting near this line (a quote inside a field must be doubled: "").',
    });
  }
  if (out.length > 0) yield out;
}
