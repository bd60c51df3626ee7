import { cleanExample, exampleLine, toExample } from './clean-example.js';
import type { DatasetCompiler } from './compiler.js';
import type { RecordFinding } from './map-record.js';
import { mapRecord } from './map-record.js';
import { MINHASH_BINS, minhashInto, similarityText } from './minhash.js';
import type { ResolvedMapping } from './presets.js';
import { parseInput, type RawInput } from './raw-record.js';
import type { ResolvedScanOptions } from './scan-options.js';
import { exampleTokens } from './token-count.js';

/**
 * The per-record work of a scan that depends on nothing but the record: map,
 * clean, id, MinHash signature, token count, the canonical line and each
 * provider's compiled line. It runs on the main thread or in the example
 * workers (`example-pool.ts`) with the same code, so output is byte-identical
 * either way. What depends on earlier records (duplicates, splits) stays with
 * the scan.
 */
export interface TransformContext {
  mapping: ResolvedMapping;
  options: ResolvedScanOptions;
  /** Source file name written into each example's `source`. */
  sourceFile: string;
  /** Compilers whose line is produced here, in order. */
  compilers: readonly DatasetCompiler[];
  /** Compute MinHash signatures (near-duplicate detection on). */
  signatures: boolean;
}

export type TransformedRecord =
  | { status: 'parse_error'; line: number; error: string }
  | { status: 'invalid'; line: number; findings: RecordFinding[] }
  | { status: 'empty'; line: number; findings: RecordFinding[]; empty: string }
  | KeptCandidate;

/** A record that maps and cleans to an example; the scan still decides whether it is a duplicate. */
export interface KeptCandidate {
  status: 'ok';
  line: number;
  findings: RecordFinding[];
  /** 16 hex digits of sha256(canonical content). */
  id: string;
  /** The text holds U+FFFD (invalid UTF-8 upstream). */
  replacement: boolean;
  tokens: number;
  /** The `--stratify` column's value, else the label, else ''. */
  stratum: string;
  label?: string;
  /** Chat examples: whether a system message is present. */
  hasSystem?: boolean;
  /** A warning message when a message repeats a few words over and over. */
  repetitive?: string;
  /** The canonical split-file line. */
  exampleLine: string;
  /** One line per `TransformContext.compilers`. */
  compiled: string[];
}

/**
 * A batch's output lines as UTF-8 bytes, one buffer per stream (stream 0: the
 * canonical example lines, then one per compiler), each line with its newline.
 * Record k's line in stream s spans `ends[s][k-1]` (0 for k = 0) to
 * `ends[s][k]`; records that produced no line span nothing. Workers send this
 * instead of strings (`encoded-lines.ts`): the buffers move to the main thread without a copy and
 * the main thread's writers copy bytes instead of encoding text.
 */
export interface EncodedLines {
  streams: Uint8Array[];
  ends: Uint32Array[];
}

/** Records of one batch, transformed; signatures packed `MINHASH_BINS` per record (by index in `records`). */
export interface TransformedBatch {
  records: TransformedRecord[];
  signatures?: Uint32Array;
  /** Set by a worker: the output lines as bytes (the records' line strings are then empty). */
  encoded?: EncodedLines;
}

export function transformBatch(batch: readonly RawInput[], ctx: TransformContext): TransformedBatch {
  const signatures = ctx.signatures ? new Uint32Array(batch.length * MINHASH_BINS) : undefined;
  const records = batch.map((record, k) => transformRecord(record, ctx, signatures, k * MINHASH_BINS));
  return { records, signatures };
}

export function transformRecord(
  input: RawInput,
  ctx: TransformContext,
  signatures: Uint32Array | undefined,
  offset: number,
): TransformedRecord {
  const record = parseInput(input);
  const { line } = record;
  if (!record.ok) return { status: 'parse_error', line, error: record.error };
  const { draft, findings } = mapRecord(record.value, ctx.mapping);
  if (!draft) return { status: 'invalid', line, findings };
  const cleaned = cleanExample(draft, ctx.options.clean);
  if (cleaned.empty) return { status: 'empty', line, findings, empty: cleaned.empty };
  const content = cleaned.content;
  if (signatures) minhashInto(similarityText(content), signatures, offset);
  const stratify = ctx.options.stratify;
  let stratum = '';
  let meta: Record<string, unknown> | undefined;
  if (stratify) {
    const raw = (record.value as Record<string, unknown>)[stratify];
    stratum = raw === undefined || raw === null ? '' : String(raw);
    meta = { [stratify]: stratum };
  } else if (content.kind === 'classification') stratum = content.label;
  const source = { file: ctx.sourceFile, line, row: record.row };
  const candidate: KeptCandidate = {
    status: 'ok',
    line,
    findings,
    id: cleaned.id,
    replacement: cleaned.canonical.includes('\uFFFD'),
    tokens: exampleTokens(content),
    stratum,
    exampleLine: exampleLine(cleaned, source, meta),
    compiled: [],
  };
  if (content.kind === 'classification') candidate.label = content.label;
  if (content.kind === 'chat') {
    candidate.hasSystem = content.messages.some((m) => m.role === 'system');
    const long = content.messages.find((m) => m.content && isRepetitive(m.content));
    if (long) {
      candidate.repetitive = `an ${long.role} message of ${long.content!.length.toLocaleString('en-US')} characters repeats a few words over and over`;
    }
  } else if (content.kind === 'completion' && isRepetitive(content.completion)) {
    candidate.repetitive = 'the completion repeats a few words over and over';
  }
  if (ctx.compilers.length > 0) {
    const example = toExample(cleaned, source, meta);
    candidate.compiled = ctx.compilers.map((c) => c.compileExample!(example));
  }
  return candidate;
}

/** A long text made of few distinct words (the cookbook's "Eat a banana!" × 2,000). */
function isRepetitive(text: string): boolean {
  if (text.length < 2000) return false;
  const words = text.toLowerCase().split(/\s+/);
  const distinct = new Set(words);
  return distinct.size / words.length < 0.05;
}
