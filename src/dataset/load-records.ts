import { detectFormat } from './detect-format.js';
import { loadCsv } from './load-csv.js';
import { loadJsonArray } from './load-json-array.js';
import { loadJsonl } from './load-jsonl.js';
import type { InputFormat, RawRecord } from './raw-record.js';

/** Streams a file's records in batches, whatever its format. */
export async function openRecords(
  file: string,
  format?: InputFormat,
): Promise<{ format: InputFormat; batches: AsyncGenerator<RawRecord[]> }> {
  const fmt = format ?? (await detectFormat(file));
  const batches =
    fmt === 'jsonl'
      ? loadJsonl(file)
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
