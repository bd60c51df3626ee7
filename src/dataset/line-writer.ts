import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

const CHUNK = 1 << 18;

/**
 * Buffered JSONL writer that hashes what it writes. `write` encodes the line
 * into a reusable byte buffer at once (so the string dies young and never
 * reaches the old generation); callers `await flushIfFull()` between batches,
 * which writes the full buffers with one call each. Memory stays at about half a
 * megabyte per open file.
 */
export class LineWriter {
  private handle: Promise<FileHandle> | undefined;
  private hash: Hash | undefined;
  private full: Buffer[] = [];
  private spare: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private writing: Promise<void> = Promise.resolve();
  count = 0;

  /** `hash: false` for temp files whose digest nobody reads (`close` then reports ''). */
  constructor(
    readonly path: string,
    options: { hash?: boolean } = {},
  ) {
    if (options.hash !== false) this.hash = createHash('sha256');
  }

  private rotate(): void {
    if (this.pos === 0) return;
    this.full.push(this.buf.subarray(0, this.pos));
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
    // One write in flight: it overlaps the caller's next batch; the buffers it
    // holds come back as spares only after it is done.
    await this.writing;
    const chunks = this.full;
    this.full = [];
    if (this.hash) for (const chunk of chunks) this.hash.update(chunk);
    this.writing = (async () => {
      for (const chunk of chunks) {
        await handle.write(chunk);
        if (chunk.buffer.byteLength === CHUNK && chunk.byteOffset === 0 && this.spare.length < 2) {
          this.spare.push(Buffer.from(chunk.buffer, 0, CHUNK));
        }
      }
    })();
    // Failures surface at the next flush or close; this only keeps them from being "unhandled" meanwhile.
    this.writing.catch(() => undefined);
  }

  /** Flushes, closes and returns the line count and the sha256 of the content. */
  async close(): Promise<{ count: number; sha256: string }> {
    await this.flush();
    await this.writing;
    this.handle ??= open(this.path, 'w');
    await (await this.handle).close();
    this.handle = undefined;
    return { count: this.count, sha256: this.hash?.digest('hex') ?? '' };
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
 * `onLine(bytes, start, end)` gets each line with its newline, without
 * decoding, from one reused read buffer (grown only for a longer line).
 */
export async function forEachLineBytes(
  path: string,
  onLine: (bytes: Buffer, start: number, end: number) => void,
  afterChunk?: () => Promise<void>,
): Promise<void> {
  const file = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, filled);
        buf = grown;
      }
      const { bytesRead } = await file.read(buf, filled, buf.length - filled, null);
      const end = filled + bytesRead;
      let at = 0;
      for (let nl = buf.indexOf(10, at); nl !== -1 && nl < end; nl = buf.indexOf(10, at)) {
        onLine(buf, at, nl + 1);
        at = nl + 1;
      }
      if (bytesRead === 0) {
        if (at < end) {
          buf[end] = 10; // a last line without its newline (buf has room: end < length here)
          onLine(buf, at, end + 1);
        }
        break;
      }
      buf.copy(buf, 0, at, end);
      filled = end - at;
      if (afterChunk) await afterChunk();
    }
  } finally {
    await file.close();
  }
}

/** sha256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
