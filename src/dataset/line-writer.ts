import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

const CHUNK = 1 << 20;

/**
 * Buffered JSONL writer that hashes what it writes. `write` encodes the line
 * into a reusable byte buffer at once (so the string dies young and never
 * reaches the old generation); callers `await flushIfFull()` between batches,
 * which writes the full buffers with one call each. Memory stays at about one
 * megabyte per open file.
 */
export class LineWriter {
  private handle: Promise<FileHandle> | undefined;
  private hash: Hash = createHash('sha256');
  private full: Buffer[] = [];
  private spare: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  count = 0;

  constructor(readonly path: string) {}

  private rotate(): void {
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }

  /** Appends one line (a newline is added). */
  write(line: string): void {
    this.count++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (line.length * 3 + 1 > CHUNK - this.pos) {
      this.rotate();
      if (line.length * 3 + 1 > CHUNK) {
        this.full.push(Buffer.from(`${line}\n`));
        return;
      }
    }
    this.pos += this.buf.write(line, this.pos);
    this.buf[this.pos++] = 10;
  }

  /** Appends bytes that already hold whole lines, newlines included. */
  writeBytes(bytes: Buffer, start: number, end: number, lines: number): void {
    this.count += lines;
    if (end - start > CHUNK - this.pos) {
      this.rotate();
      if (end - start > CHUNK) {
        this.full.push(Buffer.from(bytes.subarray(start, end)));
        return;
      }
    }
    this.pos += bytes.copy(this.buf, this.pos, start, end);
  }

  async flushIfFull(): Promise<void> {
    if (this.full.length > 0 || this.pos >= CHUNK >> 1) await this.flush();
  }

  async flush(): Promise<void> {
    this.rotate();
    if (this.full.length === 0) return;
    this.handle ??= open(this.path, 'w');
    const handle = await this.handle;
    for (const chunk of this.full) {
      this.hash.update(chunk);
      await handle.write(chunk);
      if (chunk.buffer.byteLength === CHUNK && chunk.byteOffset === 0 && this.spare.length < 2) {
        this.spare.push(Buffer.from(chunk.buffer, 0, CHUNK));
      }
    }
    this.full = [];
  }

  /** Flushes, closes and returns the line count and the sha256 of the content. */
  async close(): Promise<{ count: number; sha256: string }> {
    await this.flush();
    this.handle ??= open(this.path, 'w');
    await (await this.handle).close();
    this.handle = undefined;
    return { count: this.count, sha256: this.hash.digest('hex') };
  }

  /** Closes without caring about the result (cleanup after a failure). */
  abort(): void {
    const handle = this.handle;
    this.handle = undefined;
    handle?.then((h) => h.close()).catch(() => undefined);
  }
}

/**
 * Streams the lines of a JSONL file (as written by LineWriter) as bytes:
 * `onLine(bytes, start, end)` gets each line with its newline, without decoding.
 */
export async function forEachLineBytes(
  path: string,
  onLine: (bytes: Buffer, start: number, end: number) => void,
  afterChunk?: () => Promise<void>,
): Promise<void> {
  let carry: Buffer | undefined;
  for await (const data of createReadStream(path, { highWaterMark: CHUNK })) {
    let chunk = data as Buffer;
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let at = 0;
    for (let nl = chunk.indexOf(10, at); nl !== -1; nl = chunk.indexOf(10, at)) {
      onLine(chunk, at, nl + 1);
      at = nl + 1;
    }
    if (at < chunk.length) carry = Buffer.from(chunk.subarray(at));
    if (afterChunk) await afterChunk();
  }
  if (carry && carry.length > 0) onLine(Buffer.concat([carry, Buffer.from('\n')]), 0, carry.length + 1);
}

/** sha256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
