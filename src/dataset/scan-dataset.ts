import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PolytuneError } from '../errors.js';
import { cleanExample, exampleLine, toExample } from './clean-example.js';
import type { DatasetIssue } from './dataset-issue.js';
import type { Example } from './example.js';
import { hashFile } from './line-writer.js';
import { openRecords } from './load-records.js';
import { mapRecord } from './map-record.js';
import { MINHASH_BINS, minhashInto, similarityText } from './minhash.js';
import { IdTable, NearDuplicateIndex } from './near-duplicate-index.js';
import type { DroppedRecord } from './prepared-manifest.js';
import { type ResolvedMapping, resolveMapping } from './presets.js';
import type { InputFormat } from './raw-record.js';
import { type ResolvedScanOptions, type ScanOptions, ScanOptionsSchema } from './scan-options.js';
import { exampleTokens } from './token-count.js';
import { TokenCountPool } from './token-count-pool.js';

/** Growable typed column (per kept example). */
class Column<T extends Uint32Array | Int32Array> {
  length = 0;
  constructor(public data: T) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** What pass 1 learned: counts, findings and a few numbers per kept example. */
export interface ScanResult {
  file: string;
  format: InputFormat;
  mapping: ResolvedMapping;
  options: ResolvedScanOptions;
  counts: { read: number; kept: number; dropped: number };
  dropped: DroppedRecord[];
  /** Findings, at most `maxIssuesPerCode` per code. */
  issues: DatasetIssue[];
  /** Every finding counted, by code. */
  issueCounts: Record<string, number>;
  errors: number;
  warnings: number;
  /** Per kept example (dense index): token count, source line, stratum index. */
  tokens: Uint32Array;
  lines: Int32Array;
  strata: Uint32Array;
  strataNames: string[];
  /** Label → count over kept examples (classification). */
  labels?: Record<string, number>;
  /** MinHash LSH index of kept examples (when near-duplicate detection is on); `release()` it when done. */
  nearIndex?: NearDuplicateIndex;
  /** Chat examples with / without a system message. */
  systemMessages: { with: number; without: number; linesWithout: number[] };
  idOf(index: number): string;
  /** sha256 of the source file, when `hooks.hashSource` asked for it ('' if it could not be read). */
  sourceSha256?: string;
}

// Files from this size count tokens in a worker thread under `tokenWorker: 'auto'`.
const TOKEN_WORKER_MIN_BYTES = 16 * 1024 * 1024;

export interface ScanHooks {
  /** Called for each kept example, in input order. */
  onKept?(example: Example, canonicalLine: string, index: number): void;
  /** Awaited after each batch (writers flush here). */
  afterBatch?(): Promise<void>;
  /** Also hash the source file (in the token worker when there is one); the result has `sourceSha256`. */
  hashSource?: boolean;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** A long text made of few distinct words (the cookbook's "Eat a banana!" × 2,000). */
function isRepetitive(text: string): boolean {
  if (text.length < 2000) return false;
  const words = text.toLowerCase().split(/\s+/);
  const distinct = new Set(words);
  return distinct.size / words.length < 0.05;
}

/**
 * Pass 1 over a dataset file: load, map, validate, clean, dedupe and count
 * tokens, streaming. Keeps only small typed columns per example; the example
 * bodies go to `hooks.onKept`. Every record read is either kept or dropped with
 * a reason and its line.
 */
export async function scanDataset(
  file: string,
  options: ScanOptions = {},
  hooks: ScanHooks = {},
): Promise<ScanResult> {
  const opts = ScanOptionsSchema.parse(options);
  let size = 0;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `cannot read ${file}: ${(error as Error).message}`, {
      file,
      cause: error,
      hint: 'Check the path to the dataset file.',
    });
  }
  const { format, batches } = await openRecords(file, opts.format);
  const sourceFile = basename(file);
  const issues: DatasetIssue[] = [];
  const issueCounts: Record<string, number> = {};
  let errors = 0;
  let warnings = 0;
  const report = (severity: 'error' | 'warning', code: string, message: string, line?: number) => {
    issueCounts[code] = (issueCounts[code] ?? 0) + 1;
    if (severity === 'error') errors++;
    else warnings++;
    if (issueCounts[code]! <= opts.maxIssuesPerCode) issues.push({ severity, code, message, file, line });
  };
  const dropped: DroppedRecord[] = [];
  const drop = (line: number, reason: string, duplicateOf?: string) => {
    const d: DroppedRecord = { file: sourceFile, line, reason };
    if (duplicateOf) d.duplicateOf = duplicateOf;
    dropped.push(d);
  };

  let mapping: ResolvedMapping | undefined;
  let read = 0;
  const tokens = new Column(new Uint32Array(1024));
  const lines = new Column(new Int32Array(1024));
  const strata = new Column(new Uint32Array(1024));
  const idWords = new Column(new Uint32Array(2048));
  const strataIndex = new Map<string, number>();
  const strataNames: string[] = [];
  const labels: Record<string, number> = {};
  const ids = new IdTable(() => idWords.data);
  const threshold = opts.dedupe.nearDuplicateThreshold;
  const nearIndex = threshold < 1 ? new NearDuplicateIndex() : undefined;
  const sig = new Uint32Array(MINHASH_BINS);
  const system = { with: 0, without: 0, linesWithout: [] as number[] };
  const idOf = (i: number) => hex8(idWords.data[2 * i]!) + hex8(idWords.data[2 * i + 1]!);
  const useWorker =
    opts.tokenWorker === 'on' || (opts.tokenWorker === 'auto' && size >= TOKEN_WORKER_MIN_BYTES);
  const pool = useWorker ? new TokenCountPool(() => tokens.data) : undefined;
  let completed = false;
  try {
    const sourceSha256 = hooks.hashSource
      ? (pool?.hashFile(file) ?? hashFile(file).catch(() => ''))
      : undefined;
    // Canonical JSON of this batch's kept examples, counted by the pool.
    let batchFirst = 0;
    let batchContents: string[] = [];

    for await (const batch of batches) {
      for (const record of batch) {
        read++;
        const line = record.line;
        if (!record.ok) {
          report('error', 'parse_error', record.error, line);
          drop(line, record.error);
          continue;
        }
        if (!mapping) {
          const value = record.value;
          if (!value || typeof value !== 'object' || Array.isArray(value)) {
            const message = `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
            report('error', 'data_type', message, line);
            drop(line, message);
            continue;
          }
          const keys = new Set(Object.keys(value));
          try {
            mapping = resolveMapping(keys, opts);
          } catch (error) {
            if (error instanceof PolytuneError) {
              throw new PolytuneError(error.code, error.message, { file, line, hint: error.hint });
            }
            throw error;
          }
        }
        const { draft, findings } = mapRecord(record.value, mapping);
        for (const f of findings) report(f.severity, f.code, f.message, line);
        if (!draft) {
          drop(line, findings.find((f) => f.severity === 'error')?.message ?? 'invalid record');
          continue;
        }
        const cleaned = cleanExample(draft, opts.clean);
        if (cleaned.empty) {
          report('warning', 'empty_example', cleaned.empty, line);
          drop(line, `empty: ${cleaned.empty}`);
          continue;
        }
        if (opts.dedupe.exact) {
          const first = ids.get(
            Number.parseInt(cleaned.id.slice(0, 8), 16),
            Number.parseInt(cleaned.id.slice(8, 16), 16),
          );
          if (first !== undefined) {
            const message = `exact duplicate of line ${lines.data[first]}`;
            report('warning', 'duplicate', message, line);
            drop(line, message, cleaned.id);
            continue;
          }
        }
        if (cleaned.canonical.includes('\uFFFD')) {
          report(
            'warning',
            'replacement_character',
            'contains U+FFFD: the file has invalid UTF-8 or was converted lossily',
            line,
          );
        }
        const content = cleaned.content;
        if (nearIndex) {
          minhashInto(similarityText(content), sig, 0);
          if (opts.dedupe.nearDuplicates === 'drop') {
            const near = nearIndex.query(sig, 0, threshold);
            if (near) {
              const message = `near duplicate (similarity ${near.similarity.toFixed(2)}) of line ${lines.data[near.index]}`;
              report('warning', 'near_duplicate', message, line);
              drop(line, message, idOf(near.index));
              continue;
            }
          }
        }
        // Kept.
        const index = tokens.length;
        if (nearIndex) nearIndex.add(sig, 0);
        if (pool) {
          tokens.push(0);
          batchContents.push(cleaned.canonical);
        } else tokens.push(exampleTokens(content));
        lines.push(line);
        idWords.push(Number.parseInt(cleaned.id.slice(0, 8), 16));
        idWords.push(Number.parseInt(cleaned.id.slice(8, 16), 16));
        if (opts.dedupe.exact) ids.add(index);
        let meta: Record<string, unknown> | undefined;
        let stratum = '';
        if (opts.stratify) {
          const raw = (record.value as Record<string, unknown>)[opts.stratify];
          stratum = raw === undefined || raw === null ? '' : String(raw);
          meta = { [opts.stratify]: stratum };
        } else if (content.kind === 'classification') stratum = content.label;
        let s = strataIndex.get(stratum);
        if (s === undefined) {
          s = strataNames.length;
          strataIndex.set(stratum, s);
          strataNames.push(stratum);
        }
        strata.push(s);
        if (content.kind === 'classification') labels[content.label] = (labels[content.label] ?? 0) + 1;
        if (content.kind === 'chat') {
          if (content.messages.some((m) => m.role === 'system')) system.with++;
          else {
            system.without++;
            if (system.linesWithout.length < opts.maxIssuesPerCode) system.linesWithout.push(line);
          }
          for (const m of content.messages) {
            if (m.content && isRepetitive(m.content)) {
              report(
                'warning',
                'repetitive_content',
                `an ${m.role} message of ${m.content.length.toLocaleString('en-US')} characters repeats a few words over and over`,
                line,
              );
              break;
            }
          }
        } else if (content.kind === 'completion' && isRepetitive(content.completion)) {
          report('warning', 'repetitive_content', 'the completion repeats a few words over and over', line);
        }
        if (hooks.onKept) {
          const source = { file: sourceFile, line, row: record.row };
          hooks.onKept(toExample(cleaned, source, meta), exampleLine(cleaned, source, meta), index);
        }
      }
      if (pool) {
        await pool.submit(batchFirst, batchContents);
        batchFirst = tokens.length;
        batchContents = [];
      }
      if (hooks.afterBatch) await hooks.afterBatch();
    }
    await pool?.close();
    if (!mapping) {
      const first = issues.find((i) => i.severity === 'error');
      throw new PolytuneError(
        'INVALID_INPUT',
        read === 0
          ? 'the file holds no records'
          : `no usable record in ${read} read; first: ${first?.message ?? 'unparseable'}`,
        {
          file,
          line: first?.line,
          hint: 'Give a JSONL, JSON array or CSV file (UTF-8) with at least one example.',
        },
      );
    }
    const kept = tokens.length;
    const sourceSha = await sourceSha256;
    completed = true;
    return {
      file,
      format,
      mapping,
      options: opts,
      counts: { read, kept, dropped: dropped.length },
      dropped,
      issues,
      issueCounts,
      errors,
      warnings,
      tokens: tokens.view(),
      lines: lines.view(),
      strata: strata.view(),
      strataNames,
      labels: mapping.kind === 'classification' ? labels : undefined,
      nearIndex,
      systemMessages: system,
      idOf,
      sourceSha256: sourceSha,
    };
  } finally {
    pool?.destroy();
    if (!completed) nearIndex?.release();
  }
}
