import type { LineWriter } from './line-writer.js';
import type { EncodedLines, TransformedBatch } from './transform-record.js';

export type { EncodedLines };

/** Encodes a transformed batch's lines and drops the strings (the worker side). */
export function encodeLines(batch: TransformedBatch, compilerCount: number): EncodedLines {
  const streamCount = 1 + compilerCount;
  const { records } = batch;
  const ends = Array.from({ length: streamCount }, () => new Uint32Array(records.length));
  const sizes = new Array<number>(streamCount).fill(0);
  for (let k = 0; k < records.length; k++) {
    const r = records[k]!;
    if (r.status === 'ok') {
      sizes[0]! += Buffer.byteLength(r.exampleLine) + 1;
      for (let s = 1; s < streamCount; s++) sizes[s]! += Buffer.byteLength(r.compiled[s - 1]!) + 1;
    }
    for (let s = 0; s < streamCount; s++) ends[s]![k] = sizes[s]!;
  }
  // Own ArrayBuffers (not Buffer's shared pool), so they can be transferred.
  const streams = sizes.map((size) => Buffer.from(new ArrayBuffer(size)));
  const at = new Array<number>(streamCount).fill(0);
  for (const r of records) {
    if (r.status !== 'ok') continue;
    for (let s = 0; s < streamCount; s++) {
      const buf = streams[s]!;
      at[s]! += buf.write(s === 0 ? r.exampleLine : r.compiled[s - 1]!, at[s]!);
      buf[at[s]!++] = 10;
    }
    r.exampleLine = '';
    r.compiled = [];
  }
  return { streams, ends };
}

/** One kept example's output, whichever thread produced it. */
export interface KeptExample {
  /** Dense index among kept examples. */
  index: number;
  /** The canonical split-file line. */
  line(): string;
  /** Appends the canonical line to `lines` and compiler k's line to `compiled[k]`. */
  writeTo(lines: LineWriter, compiled: readonly LineWriter[]): void;
}

/** A kept example from strings (the main thread transformed it). */
export function keptFromStrings(index: number, exampleLine: string, compiledLines: string[]): KeptExample {
  return {
    index,
    line: () => exampleLine,
    writeTo(lines, compiled) {
      lines.write(exampleLine);
      for (let s = 0; s < compiled.length; s++) compiled[s]!.write(compiledLines[s]!);
    },
  };
}

/** The streams of an encoded batch as Buffers (they arrive from a worker as plain Uint8Arrays). */
export function streamBuffers(encoded: EncodedLines): Buffer[] {
  return encoded.streams.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
}

/** A kept example from record k of an encoded batch (a worker transformed it). */
export function keptFromBytes(index: number, streams: Buffer[], ends: Uint32Array[], k: number): KeptExample {
  const start = (s: number) => (k === 0 ? 0 : ends[s]![k - 1]!);
  return {
    index,
    line: () => streams[0]!.toString('utf8', start(0), ends[0]![k]! - 1),
    writeTo(lines, compiled) {
      lines.writeBytes(streams[0]!, start(0), ends[0]![k]!, 1);
      for (let s = 1; s <= compiled.length; s++)
        compiled[s - 1]!.writeBytes(streams[s]!, start(s), ends[s]![k]!, 1);
    },
  };
}
