import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { PolytuneError } from '../errors.js';
import type { DatasetCompiler } from './compiler.js';
import type { DatasetIssue } from './dataset-issue.js';
import { ExamplePool } from './example-pool.js';
import { hashFile } from './line-writer.js';
import { openRecords } from './load-records.js';
import type { NearDuplicateIndex } from './near-duplicate-index.js';
import type { DroppedRecord } from './prepared-manifest.js';
import { type ResolvedMapping, resolveMapping } from './presets.js';
import { type InputFormat, parseInput, type RawInput, type RawRecord } from './raw-record.js';
import { type ResolvedScanOptions, type ScanOptions, ScanOptionsSchema } from './scan-options.js';
import { type OnKept, ScanState } from './scan-state.js';
import { type TransformContext, type TransformedBatch, transformBatch } from './transform-record.js';

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
  /** Worker threads that ran the per-example work, and batches done on this thread instead. */
  threads: { workers: number; batchesOnMainThread: number };
}

// Under `workers: 'auto'`, files from this size use worker threads (below it, starting them costs more than they save).
const WORKER_MIN_BYTES = 16 * 1024 * 1024;
// Batches (about 64 KB of input each) in flight per worker: keeps both sides busy, holds a few MB.
const IN_FLIGHT_PER_WORKER = 8;

export interface ScanHooks {
  /** Compilers each kept example is compiled with (`onKept`'s `compiled`, in this order). */
  compilers?: readonly DatasetCompiler[];
  /** Called for each kept example, in input order: its canonical line and compiled lines (`KeptExample`). */
  onKept?: OnKept;
  /** Awaited after each batch (writers flush here). */
  afterBatch?(): Promise<void>;
  /** Also hash the source file (in a worker when there is one); the result has `sourceSha256`. */
  hashSource?: boolean;
}

/** Workers to start: none when a compiler cannot be loaded in one (a custom compiler without `worker`). */
function workerCount(opts: ResolvedScanOptions, size: number, hooks: ScanHooks): number {
  if (hooks.compilers?.some((c) => !c.worker)) return 0;
  if (opts.workers !== 'auto') return opts.workers;
  // One worker per core: measured on 2 cores, one worker alone gains nothing (this thread's reading,
  // duplicate decisions, writing and hashing keep pace with it), two finish 1.27x sooner.
  return size >= WORKER_MIN_BYTES ? availableParallelism() : 0;
}

/**
 * Pass 1 over a dataset file: load, map, validate, clean, dedupe and count
 * tokens, streaming. Keeps only small typed columns per example; the example
 * bodies go to `hooks.onKept`. Every record read is either kept or dropped with
 * a reason and its line. The per-record work runs in worker threads for large
 * files (`workers`); the output is the same with or without them.
 */
export async function scanDataset(
  file: string,
  options: ScanOptions = {},
  hooks: ScanHooks = {},
): Promise<ScanResult> {
  const opts = ScanOptionsSchema.parse(options);
  const workers = workerCount(opts, await fileSize(file), hooks);
  const { format, batches } = await openRecords(file, opts.format, { parse: workers === 0 });
  const sourceFile = basename(file);
  const state = new ScanState(file, sourceFile, opts, hooks.onKept);
  let context: TransformContext | undefined;
  let pool: ExamplePool | undefined;
  let sourceSha256: Promise<string> | undefined;
  let completed = false;
  // Results per batch, applied in input order; the catch only marks them handled until awaited.
  const inFlight: Promise<TransformedBatch>[] = [];
  const enqueue = (result: Promise<TransformedBatch>) => {
    result.catch(() => undefined);
    inFlight.push(result);
  };
  const applyOldest = async () => {
    state.apply(await inFlight.shift()!);
    if (hooks.afterBatch) await hooks.afterBatch();
  };
  try {
    for await (const batch of batches) {
      if (!context) {
        const first = resolveFirstMapping(batch, state, opts, file);
        if (!first) continue;
        context = {
          mapping: first.mapping,
          options: opts,
          sourceFile,
          compilers: hooks.compilers ?? [],
          signatures: state.nearIndex !== undefined,
        };
        if (workers > 0) pool = new ExamplePool(workers, context);
        if (hooks.hashSource) sourceSha256 = pool?.hashFile(file) ?? hashFile(file).catch(() => '');
        // Even the first batch goes to the pool: this thread then never loads the tokenizer tables.
        enqueue(pool ? pool.submit(first.rest) : transformHere(first.rest, context));
      } else enqueue(pool ? pool.submit(batch) : transformHere(batch, context));
      const limit = pool ? IN_FLIGHT_PER_WORKER * Math.max(1, pool.size) : 0;
      while (inFlight.length > limit) await applyOldest();
    }
    while (inFlight.length > 0) await applyOldest();
    if (!context) throw noUsableRecord(state, file);
    const sha = await sourceSha256;
    completed = true;
    return {
      file,
      format,
      mapping: context.mapping,
      options: opts,
      counts: { read: state.read, kept: state.kept, dropped: state.dropped.length },
      dropped: state.dropped,
      issues: state.issues,
      issueCounts: state.issueCounts,
      errors: state.errors,
      warnings: state.warnings,
      tokens: state.tokens.view(),
      lines: state.lines.view(),
      strata: state.strata.view(),
      strataNames: state.strataNames,
      labels: context.mapping.kind === 'classification' ? state.labels : undefined,
      nearIndex: state.nearIndex,
      systemMessages: state.system,
      idOf: state.idOf,
      sourceSha256: sha,
      threads: { workers: pool?.started ?? 0, batchesOnMainThread: pool?.batchesHere ?? 0 },
    };
  } finally {
    pool?.destroy();
    if (!completed) state.nearIndex?.release();
  }
}

async function transformHere(inputs: RawInput[], context: TransformContext): Promise<TransformedBatch> {
  return transformBatch(inputs, context);
}

async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
    return s.size;
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `cannot read ${file}: ${(error as Error).message}`, {
      file,
      cause: error,
      hint: 'Check the path to the dataset file.',
    });
  }
}

/**
 * The mapping comes from the first record that is an object (its field names,
 * `--map`, `--kind`); records before it are parse or type errors. Returns the
 * mapping and the batch from that record on, or undefined when the batch has none.
 */
function resolveFirstMapping(
  batch: RawInput[],
  state: ScanState,
  opts: ResolvedScanOptions,
  file: string,
): { mapping: ResolvedMapping; rest: RawRecord[] } | undefined {
  for (let k = 0; k < batch.length; k++) {
    const record = parseInput(batch[k]!);
    const { line } = record;
    if (!record.ok) {
      state.read++;
      state.report('error', 'parse_error', record.error, line);
      state.drop(line, record.error);
      continue;
    }
    const value = record.value;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      const message = `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
      state.read++;
      state.report('error', 'data_type', message, line);
      state.drop(line, message);
      continue;
    }
    try {
      const mapping = resolveMapping(new Set(Object.keys(value)), opts);
      return { mapping, rest: [record, ...batch.slice(k + 1).map(parseInput)] };
    } catch (error) {
      if (error instanceof PolytuneError) {
        throw new PolytuneError(error.code, error.message, { file, line, hint: error.hint });
      }
      throw error;
    }
  }
  return undefined;
}

function noUsableRecord(state: ScanState, file: string): PolytuneError {
  const first = state.issues.find((i) => i.severity === 'error');
  return new PolytuneError(
    'INVALID_INPUT',
    state.read === 0
      ? 'the file holds no records'
      : `no usable record in ${state.read} read; first: ${first?.message ?? 'unparseable'}`,
    {
      file,
      line: first?.line,
      hint: 'Give a JSONL, JSON array or CSV file (UTF-8) with at least one example.',
    },
  );
}
