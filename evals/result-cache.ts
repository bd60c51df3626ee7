import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../src/dataset/example.js';
import type { GenerateRequest, Generation } from '../src/provider.js';
import { redact } from '../src/redact.js';

const SEGMENT = /^seg-[\w-]+\.jsonl$/;
const LEGACY_SHARD = /^[0-9a-f]{2}$/;
// A line is `{"k":"<64 hex>","v":<generation>}`; the key sits at a fixed place.
const KEY_AT = '{"k":"'.length;
const KEY_LENGTH = 64;

/**
 * Where each cached entry lies: 64 bits of its key (a sha256, so already
 * uniform) → segment, byte offset and length, in typed arrays (24 bytes an
 * entry). The full key is in the line and checked on read, so a clash of the
 * 64 bits reads as a miss, never as another request's answer.
 */
class SegmentIndex {
  private keys: Uint32Array;
  private offsets: Float64Array;
  private lengths: Uint32Array;
  private segments: Uint32Array;
  private mask: number;
  private count = 0;

  constructor() {
    const capacity = 1024;
    this.keys = new Uint32Array(capacity * 2);
    this.offsets = new Float64Array(capacity);
    this.lengths = new Uint32Array(capacity);
    this.segments = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(a: number, b: number): number {
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      const x = this.keys[2 * i] as number;
      const y = this.keys[2 * i + 1] as number;
      if ((x === 0 && y === 0) || (x === a && y === b)) return i;
    }
  }

  get(key: string): { segment: number; offset: number; length: number } | undefined {
    const a = keyHalf(key, 0);
    const b = keyHalf(key, 8);
    const i = this.slot(a, b);
    if (this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0) return undefined;
    return {
      segment: this.segments[i] as number,
      offset: this.offsets[i] as number,
      length: this.lengths[i] as number,
    };
  }

  /** A later entry for the same key replaces the earlier one. */
  set(key: string, segment: number, offset: number, length: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const a = keyHalf(key, 0);
    const b = keyHalf(key, 8);
    const i = this.slot(a, b);
    if (this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0) this.count++;
    this.keys[2 * i] = a;
    this.keys[2 * i + 1] = b;
    this.segments[i] = segment;
    this.offsets[i] = offset;
    this.lengths[i] = length;
  }

  private grow(): void {
    const { keys, offsets, lengths, segments } = this;
    const capacity = (this.mask + 1) * 2;
    this.keys = new Uint32Array(capacity * 2);
    this.offsets = new Float64Array(capacity);
    this.lengths = new Uint32Array(capacity);
    this.segments = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < offsets.length; j++) {
      const a = keys[2 * j] as number;
      const b = keys[2 * j + 1] as number;
      if (a === 0 && b === 0) continue;
      const i = this.slot(a, b);
      this.keys[2 * i] = a;
      this.keys[2 * i + 1] = b;
      this.segments[i] = segments[j] as number;
      this.offsets[i] = offsets[j] as number;
      this.lengths[i] = lengths[j] as number;
    }
  }
}

/** 32 bits of a hex key from `at`; (0, 0) marks an empty slot, so 0 becomes 1. */
function keyHalf(key: string, at: number): number {
  const value = Number.parseInt(key.slice(at, at + 8), 16) >>> 0;
  return value === 0 ? 1 : value;
}

interface Segment {
  file: string;
  handle?: Promise<FileHandle>;
}

/**
 * A disk cache of successful generations, kept as append-only JSONL segments
 * under `<dir>/seg-*.jsonl`: each run appends the entries it adds to a segment
 * of its own (so concurrent runs never interleave), batched into one write per
 * tick. Opening the cache indexes the segments by key (no parse of the
 * values); a miss costs no I/O, a hit one positioned read. The key is a hash
 * of the model id, the request and its generation parameters, so nothing
 * readable (and no credential) is in it; the stored text is redacted. Errors
 * are never stored: a failed call is always retried on the next run. A torn
 * line (a crash mid-write) fails to parse and reads as a miss. Entries from
 * the older one-file-per-entry layout (`<dir>/<2 hex>/<key>.json`) are still read.
 */
export class ResultCache {
  private opened: Promise<void> | undefined;
  private readonly index = new SegmentIndex();
  private readonly segments: Segment[] = [];
  private legacy = false;
  // This run's segment, created on the first set.
  private own: { segment: number; handle: Promise<FileHandle>; size: number } | undefined;
  private pending: { line: string; key: string; done: (error?: unknown) => void }[] = [];
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  static key(modelId: string, request: GenerateRequest): string {
    return createHash('sha256')
      .update(canonicalJson({ v: 1, model: modelId, request }))
      .digest('hex');
  }

  private open(): Promise<void> {
    this.opened ??= this.load();
    return this.opened;
  }

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).sort();
    this.legacy = names.some((name) => LEGACY_SHARD.test(name));
    for (const name of names) {
      if (!SEGMENT.test(name)) continue;
      const segment = this.segments.push({ file: join(this.dir, name) }) - 1;
      await this.indexSegment(segment);
    }
  }

  /** Records where each complete line of a segment starts; a torn last line is left out. */
  private async indexSegment(segment: number): Promise<void> {
    const handle = await open((this.segments[segment] as Segment).file, 'r');
    try {
      const chunk = Buffer.allocUnsafe(1 << 20);
      let carry = Buffer.alloc(0);
      let base = 0; // file offset of carry[0]
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk;
        const end = carry.length ? data.length : bytesRead;
        let start = 0;
        for (let nl = data.indexOf(0x0a, start); nl >= 0 && nl < end; nl = data.indexOf(0x0a, start)) {
          if (nl - start > KEY_AT + KEY_LENGTH) {
            const key = data.toString('latin1', start + KEY_AT, start + KEY_AT + KEY_LENGTH);
            if (/^[0-9a-f]{64}$/.test(key)) this.index.set(key, segment, base + start, nl - start);
          }
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start, end));
        base += start;
      }
    } finally {
      await handle.close();
    }
  }

  async get(key: string): Promise<Generation | undefined> {
    await this.open();
    const at = this.index.get(key);
    if (!at) return this.legacy ? this.getLegacy(key) : undefined;
    try {
      const segment = this.segments[at.segment] as Segment;
      segment.handle ??= open(segment.file, 'r');
      const buffer = Buffer.allocUnsafe(at.length);
      const { bytesRead } = await (await segment.handle).read(buffer, 0, at.length, at.offset);
      const line = JSON.parse(buffer.toString('utf8', 0, bytesRead)) as { k?: string; v?: Generation };
      return line.k === key && typeof line.v?.text === 'string' ? line.v : undefined;
    } catch {
      return undefined; // torn or unreadable: a miss
    }
  }

  private async getLegacy(key: string): Promise<Generation | undefined> {
    try {
      const value = JSON.parse(
        await readFile(join(this.dir, key.slice(0, 2), `${key}.json`), 'utf8'),
      ) as Generation;
      return typeof value?.text === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, generation: Generation): Promise<void> {
    await this.open();
    const value: Generation = {
      text: redact(generation.text),
      latencyMs: generation.latencyMs,
      ...(generation.usage ? { usage: generation.usage } : {}),
      ...(generation.probabilities ? { probabilities: generation.probabilities } : {}),
    };
    const line = `{"k":"${key}","v":${JSON.stringify(value)}}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, key, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One append for the entries set in the same tick; writes are chained so offsets stay exact. */
  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.writing = this.writing.then(async () => {
      try {
        if (!this.own) {
          const name = `seg-${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`;
          const segment = this.segments.push({ file: join(this.dir, name) }) - 1;
          this.own = { segment, handle: open(join(this.dir, name), 'a'), size: 0 };
        }
        const own = this.own;
        const buffers = batch.map((entry) => Buffer.from(entry.line, 'utf8'));
        const total = buffers.reduce((n, b) => n + b.length, 0);
        const { bytesWritten } = await (await own.handle).writev(buffers);
        if (bytesWritten !== total) {
          this.own = undefined; // offsets past a short write are unknown: the next batch starts a new segment
          throw new Error(`short write to the eval cache (${bytesWritten} of ${total} bytes)`);
        }
        let offset = own.size;
        for (let i = 0; i < batch.length; i++) {
          const length = (buffers[i] as Buffer).length;
          this.index.set((batch[i] as { key: string }).key, own.segment, offset, length - 1);
          offset += length;
        }
        own.size = offset;
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error);
      }
    });
  }

  /** Finishes pending writes and closes the files. */
  async close(): Promise<void> {
    if (this.pending.length) this.flush();
    await this.writing;
    const handles = [this.own?.handle, ...this.segments.map((s) => s.handle)];
    await Promise.all(handles.map(async (h) => (h ? (await h).close().catch(() => undefined) : undefined)));
  }
}
