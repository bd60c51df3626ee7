import type { DatasetIssue } from './dataset-issue.js';
import { type KeptExample, keptFromBytes, keptFromStrings, streamBuffers } from './encoded-lines.js';
import { MINHASH_BINS } from './minhash.js';
import { IdTable, NearDuplicateIndex } from './near-duplicate-index.js';
import type { DroppedRecord } from './prepared-manifest.js';
import type { ResolvedScanOptions } from './scan-options.js';
import type { KeptCandidate, TransformedBatch, TransformedRecord } from './transform-record.js';

/** Growable typed column (per kept example). */
export class Column<T extends Uint32Array | Int32Array> {
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

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** What the scan does with each kept example (prepare writes it out). */
export type OnKept = (kept: KeptExample) => void;

/**
 * The order-dependent half of a scan: every transformed record, in input
 * order, is counted, reported, dropped (duplicate of an earlier one, near
 * duplicate, invalid, empty) or kept, and kept ones leave a few numbers in
 * typed columns. Nothing here depends on which thread transformed the record.
 */
export class ScanState {
  read = 0;
  readonly issues: DatasetIssue[] = [];
  readonly issueCounts: Record<string, number> = {};
  errors = 0;
  warnings = 0;
  readonly dropped: DroppedRecord[] = [];
  readonly tokens = new Column(new Uint32Array(1024));
  readonly lines = new Column(new Int32Array(1024));
  readonly strata = new Column(new Uint32Array(1024));
  readonly strataNames: string[] = [];
  readonly labels: Record<string, number> = {};
  readonly system = { with: 0, without: 0, linesWithout: [] as number[] };
  readonly nearIndex: NearDuplicateIndex | undefined;
  private readonly idWords = new Column(new Uint32Array(2048));
  private readonly ids = new IdTable(() => this.idWords.data);
  private readonly strataIndex = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly sourceFile: string,
    private readonly opts: ResolvedScanOptions,
    private readonly onKept?: OnKept,
  ) {
    this.nearIndex = opts.dedupe.nearDuplicateThreshold < 1 ? new NearDuplicateIndex() : undefined;
  }

  report(severity: 'error' | 'warning', code: string, message: string, line?: number): void {
    this.issueCounts[code] = (this.issueCounts[code] ?? 0) + 1;
    if (severity === 'error') this.errors++;
    else this.warnings++;
    if (this.issueCounts[code]! <= this.opts.maxIssuesPerCode)
      this.issues.push({ severity, code, message, file: this.file, line });
  }

  drop(line: number, reason: string, duplicateOf?: string): void {
    const d: DroppedRecord = { file: this.sourceFile, line, reason };
    if (duplicateOf) d.duplicateOf = duplicateOf;
    this.dropped.push(d);
  }

  idOf = (i: number): string => hex8(this.idWords.data[2 * i]!) + hex8(this.idWords.data[2 * i + 1]!);

  get kept(): number {
    return this.tokens.length;
  }

  /** Applies one transformed batch, record by record, in order. */
  apply(batch: TransformedBatch): void {
    const streams = batch.encoded ? streamBuffers(batch.encoded) : undefined;
    for (let k = 0; k < batch.records.length; k++) {
      const record = batch.records[k]!;
      if (!this.applyRecord(record, batch.signatures, k)) continue;
      const index = this.kept - 1;
      if (!this.onKept) continue;
      this.onKept(
        streams
          ? keptFromBytes(index, streams, batch.encoded!.ends, k)
          : keptFromStrings(index, (record as KeptCandidate).exampleLine, (record as KeptCandidate).compiled),
      );
    }
  }

  /** True when the record was kept. */
  private applyRecord(record: TransformedRecord, signatures: Uint32Array | undefined, k: number): boolean {
    this.read++;
    const { line } = record;
    if (record.status === 'parse_error') {
      this.report('error', 'parse_error', record.error, line);
      this.drop(line, record.error);
      return false;
    }
    for (const f of record.findings) this.report(f.severity, f.code, f.message, line);
    if (record.status === 'invalid') {
      this.drop(line, record.findings.find((f) => f.severity === 'error')?.message ?? 'invalid record');
      return false;
    }
    if (record.status === 'empty') {
      this.report('warning', 'empty_example', record.empty, line);
      this.drop(line, `empty: ${record.empty}`);
      return false;
    }
    if (this.isDuplicate(record, signatures, k * MINHASH_BINS)) return false;
    this.keep(record, signatures, k * MINHASH_BINS);
    return true;
  }

  /** Exact and near duplicates of an earlier kept example are dropped with what they duplicate. */
  private isDuplicate(record: KeptCandidate, signatures: Uint32Array | undefined, offset: number): boolean {
    const { line, id } = record;
    if (this.opts.dedupe.exact) {
      const first = this.ids.get(Number.parseInt(id.slice(0, 8), 16), Number.parseInt(id.slice(8, 16), 16));
      if (first !== undefined) {
        const message = `exact duplicate of line ${this.lines.data[first]}`;
        this.report('warning', 'duplicate', message, line);
        this.drop(line, message, id);
        return true;
      }
    }
    if (record.replacement) {
      this.report(
        'warning',
        'replacement_character',
        'contains U+FFFD: the file has invalid UTF-8 or was converted lossily',
        line,
      );
    }
    if (this.nearIndex && signatures && this.opts.dedupe.nearDuplicates === 'drop') {
      const near = this.nearIndex.query(signatures, offset, this.opts.dedupe.nearDuplicateThreshold);
      if (near) {
        const message = `near duplicate (similarity ${near.similarity.toFixed(2)}) of line ${this.lines.data[near.index]}`;
        this.report('warning', 'near_duplicate', message, line);
        this.drop(line, message, this.idOf(near.index));
        return true;
      }
    }
    return false;
  }

  private keep(record: KeptCandidate, signatures: Uint32Array | undefined, offset: number): void {
    const index = this.tokens.length;
    const { line, id } = record;
    if (this.nearIndex && signatures) this.nearIndex.add(signatures, offset);
    this.tokens.push(record.tokens);
    this.lines.push(line);
    this.idWords.push(Number.parseInt(id.slice(0, 8), 16));
    this.idWords.push(Number.parseInt(id.slice(8, 16), 16));
    if (this.opts.dedupe.exact) this.ids.add(index);
    let s = this.strataIndex.get(record.stratum);
    if (s === undefined) {
      s = this.strataNames.length;
      this.strataIndex.set(record.stratum, s);
      this.strataNames.push(record.stratum);
    }
    this.strata.push(s);
    if (record.label !== undefined) this.labels[record.label] = (this.labels[record.label] ?? 0) + 1;
    if (record.hasSystem === true) this.system.with++;
    else if (record.hasSystem === false) {
      this.system.without++;
      if (this.system.linesWithout.length < this.opts.maxIssuesPerCode) this.system.linesWithout.push(line);
    }
    if (record.repetitive) this.report('warning', 'repetitive_content', record.repetitive, line);
  }
}
