import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_AT = 1 << 20;

/**
 * Buffered JSONL writer that hashes what it writes. `write` is synchronous and
 * cheap; callers `await flushIfFull()` between batches so memory stays at about
 * one megabyte per open file and the disk keeps up.
 */
export class LineWriter {
  private stream: WriteStream;
  private hash: Hash = createHash('sha256');
  private buffer: string[] = [];
  private buffered = 0;
  count = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  write(line: string): void {
    this.buffer.push(line, '\n');
    this.buffered += line.length + 1;
    this.count++;
  }

  async flushIfFull(): Promise<void> {
    if (this.buffered >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    this.hash.update(chunk);
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Flushes, closes and returns the line count and the sha256 of the content. */
  async close(): Promise<{ count: number; sha256: string }> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    return { count: this.count, sha256: this.hash.digest('hex') };
  }

  /** Closes without caring about the result (cleanup after a failure). */
  abort(): void {
    this.stream.destroy();
  }
}

/** sha256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
