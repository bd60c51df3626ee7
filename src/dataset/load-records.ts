import { detectFormat } from './detect-format.js';
import { loadCsv } from './load-csv.js';
import { loadJsonArray } from './load-json-array.js';
import { loadJsonl } from './load-jsonl.js';
import type { InputFormat, RawInput, RawRecord } from './raw-record.js';

/** Streams a file's records in batches, whatever its format. */
export async function openRecords(
  file: string,
  format?: InputFormat,
): Promise<{ format: InputFormat; batches: AsyncGenerator<RawRecord[]> }>;
/** With `parse: false`, JSON Lines come back as text to parse later (`parseInput`). */
export async function openRecords(
  file: string,
  format: InputFormat | undefined,
  options: { parse: boolean },
): Promise<{ format: InputFormat; batches: AsyncGenerator<RawInput[]> }>;
export async function openRecords(
  file: string,
  format?: InputFormat,
  { parse = true } = {},
): Promise<{ format: InputFormat; batches: AsyncGenerator<RawInput[]> }> {
  const fmt = format ?? (await detectFormat(file));
  const batches =
    fmt === 'jsonl'
      ? loadJsonl(file, { parse })
      : fmt === 'json'
        ? loadJsonArray(file)
        : loadCsv(file, fmt === 'tsv' ? '\t' : ',');
  return { format: fmt, batches };
}

/** One record at a time (convenience over `openRecords`). */
export async function* loadRecords(file: string, format?: InputFormat): AsyncGenerator<RawRecord> {
  const { batches } = await openRecords(file, format);
  for await (const batch of batches) yield* batch;
}
