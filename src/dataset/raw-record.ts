/**
 * One record as a loader produced it, before mapping to an Example: a parsed
 * value with the line it starts on, or the reason it could not be parsed.
 */
export type RawRecord =
  | { ok: true; value: unknown; line: number; row: number }
  | { ok: false; error: string; line: number; row: number };

export type InputFormat = 'jsonl' | 'json' | 'csv' | 'tsv';
