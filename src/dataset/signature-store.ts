import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINHASH_BINS } from './minhash.js';

const BYTES = MINHASH_BINS * 4;
const BLOCK = 8192; // signatures per in-memory block (1 MB)

/**
 * Append-only MinHash signature storage that keeps memory flat: full blocks go
 * to a temp file, and reads (only for LSH candidates that share a band, which
 * are rare unless they are near-duplicates) come back with one pread each.
 * Small datasets never leave memory. `release()` removes the file.
 */
export class SignatureStore {
  private tail = new Uint32Array(MINHASH_BINS * BLOCK);
  private inTail = 0;
  private flushed = 0;
  private fd: number | undefined;
  private dir: string | undefined;
  private scratch = Buffer.alloc(BYTES);

  get size(): number {
    return this.flushed + this.inTail;
  }

  append(sig: Uint32Array, offset: number): number {
    if (this.inTail === BLOCK) this.spill();
    this.tail.set(sig.subarray(offset, offset + MINHASH_BINS), this.inTail * MINHASH_BINS);
    return this.flushed + this.inTail++;
  }

  private spill(): void {
    if (this.fd === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), 'polytune-minhash-'));
      this.fd = openSync(join(this.dir, 'signatures.bin'), 'w+');
    }
    const bytes = Buffer.from(this.tail.buffer, 0, this.inTail * BYTES);
    let done = 0;
    while (done < bytes.length)
      done += writeSync(this.fd, bytes, done, bytes.length - done, this.flushed * BYTES + done);
    this.flushed += this.inTail;
    this.inTail = 0;
  }

  /** Copies signature `index` into `out` at `offset`. */
  read(index: number, out: Uint32Array, offset: number): void {
    if (index >= this.flushed) {
      const from = (index - this.flushed) * MINHASH_BINS;
      out.set(this.tail.subarray(from, from + MINHASH_BINS), offset);
      return;
    }
    let done = 0;
    while (done < BYTES) done += readSync(this.fd!, this.scratch, done, BYTES - done, index * BYTES + done);
    for (let k = 0; k < MINHASH_BINS; k++) out[offset + k] = this.scratch.readUInt32LE(k * 4);
  }

  release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.fd = undefined;
    this.dir = undefined;
  }
}
