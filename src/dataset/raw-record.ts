/**
 * One record as a loader produced it, before mapping to an Example: a parsed
 * value with the line it starts on, or the reason it could not be parsed.
 */
export type RawRecord =
  | { ok: true; value: unknown; line: number; row: number }
  | { ok: false; error: string; line: number; row: number };

export type InputFormat = 'jsonl' | 'json' | 'csv' | 'tsv';

/**
 * A JSON Lines line not parsed yet: whoever transforms the record parses it
 * (the scan, or an example worker, so the main thread does not pay for it).
 */
export interface UnparsedLine {
  unparsed: string;
  line: number;
  row: number;
}

/** What a loader yields: a record, or (JSON Lines, `parse: false`) a line to parse later. */
export type RawInput = RawRecord | UnparsedLine;

/** The record of an input, parsing it when the loader left it as text. */
export function parseInput(input: RawInput): RawRecord {
  if (!('unparsed' in input)) return input;
  const { line, row } = input;
  try {
    return { ok: true, value: JSON.parse(input.unparsed), line, row };
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}`, line, row };
  }
}
