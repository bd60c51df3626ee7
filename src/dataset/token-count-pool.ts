import { Worker } from 'node:worker_threads';
import type { ExampleDraft } from './map-record.js';
import { exampleTokens } from './token-count.js';
import type { TokenWorkerReply, TokenWorkerRequest } from './token-count-worker.js';

// Batches in flight before the scan waits for the worker: bounds the texts held
// (64 KB batches: a few MB) while covering the worker's start-up (loading the
// o200k tables), which with 4 in flight stalled the scan for the first ~0.5 s.
const MAX_IN_FLIGHT = 64;

interface Pending {
  first: number;
  contents: string[];
  done: Promise<void>;
  resolve(): void;
}

/**
 * Counts example tokens in a worker thread while the main thread scans: the
 * scan hands over each batch's canonical JSON and the counts are written into
 * `target` (by dense index) as they come back. Token counts decide nothing
 * during the scan, so they can lag; at most MAX_IN_FLIGHT batches are held.
 * If the worker cannot start or fails, the held batches are counted inline.
 */
export class TokenCountPool {
  private worker: Worker | undefined;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private hashWaiter: ((sha: string) => void) | undefined;
  private hashDone: Promise<string> | undefined;

  constructor(private readonly target: () => Uint32Array) {
    const url = new URL(
      `./token-count-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
      import.meta.url,
    );
    try {
      if (url.pathname.endsWith('.ts')) {
        // Running from TypeScript sources (tests, tsx): register tsx in the worker first.
        const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
        const code = `import(${tsx}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); })`;
        this.worker = new Worker(code, { eval: true });
      } else this.worker = new Worker(url);
      this.worker.unref();
      this.worker.on('message', (reply: TokenWorkerReply) => this.onReply(reply));
      this.worker.on('error', () => this.fail());
      this.worker.on('exit', () => this.fail());
    } catch {
      this.worker = undefined;
    }
  }

  /** True while counting runs in the worker (false after a fallback to this thread). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  private onReply(reply: TokenWorkerReply): void {
    if (reply.type === 'hash') {
      this.hashWaiter?.(reply.sha256);
      this.hashWaiter = undefined;
      return;
    }
    if (reply.type !== 'counts') return;
    const p = this.pending.get(reply.seq);
    if (!p) return;
    this.target().set(reply.counts, p.first);
    this.pending.delete(reply.seq);
    p.resolve();
  }

  /** Counts what is still held on this thread; later batches too. */
  private fail(): void {
    this.worker = undefined;
    for (const [seq, p] of this.pending) {
      this.countInline(p.first, p.contents);
      this.pending.delete(seq);
      p.resolve();
    }
    this.hashWaiter?.('');
    this.hashWaiter = undefined;
  }

  private countInline(first: number, contents: string[]): void {
    const t = this.target();
    for (let i = 0; i < contents.length; i++)
      t[first + i] = exampleTokens(JSON.parse(contents[i]!) as ExampleDraft);
  }

  /** sha256 of a file, read and hashed by the worker ('' if it cannot). */
  hashFile(file: string): Promise<string> | undefined {
    if (!this.worker || this.hashWaiter) return undefined;
    const done = new Promise<string>((resolve) => {
      this.hashWaiter = resolve;
    });
    this.worker.postMessage({ type: 'hash', file } satisfies TokenWorkerRequest);
    this.hashDone = done;
    return done;
  }

  /** Hands over the canonical JSON of kept examples first..first+n-1; waits when too many are in flight. */
  async submit(first: number, contents: string[]): Promise<void> {
    if (contents.length === 0) return;
    if (!this.worker) return this.countInline(first, contents);
    const seq = this.seq++;
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    this.pending.set(seq, { first, contents, done, resolve });
    this.worker.postMessage({ type: 'count', seq, contents } satisfies TokenWorkerRequest);
    // Replies come in order, and the map iterates in insertion order: the first entry is the oldest.
    while (this.pending.size > MAX_IN_FLIGHT) await this.pending.values().next().value?.done;
  }

  /** Waits for every count, then stops the worker. */
  async close(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.done));
    await this.hashDone;
    this.destroy();
  }

  /** Stops the worker without waiting (cleanup after a failure). */
  destroy(): void {
    const w = this.worker;
    this.worker = undefined;
    w?.terminate().catch(() => undefined);
  }
}
