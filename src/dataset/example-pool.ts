import type { Worker } from 'node:worker_threads';
import type { ExampleWorkerReply, ExampleWorkerRequest } from './example-worker.js';
import type { RawInput } from './raw-record.js';
import { siblingModule, startWorker } from './start-worker.js';
import { type TransformContext, type TransformedBatch, transformBatch } from './transform-record.js';

interface Pending {
  worker: number;
  inputs: RawInput[];
  resolve(result: TransformedBatch): void;
  reject(error: unknown): void;
}

/**
 * Spreads the per-record work of a scan (`transformBatch`) over worker
 * threads, one per core: the main thread reads, decides duplicates and
 * writes, the workers parse, map, clean, count, sign and compile. Results come
 * back per batch and the scan applies them in input order. A worker that cannot
 * start or dies hands its batches back to this thread; a batch a worker failed
 * on is run here again, so its error is the one the single-threaded scan gives.
 */
export class ExamplePool {
  private readonly workers: (Worker | undefined)[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private turn = 0;
  private hashWaiter: ((sha256: string) => void) | undefined;
  /** Batches this thread transformed because no worker could (none started, one died or failed). */
  batchesHere = 0;
  /** Workers that started. */
  readonly started: number;

  constructor(
    size: number,
    private readonly inline: TransformContext,
  ) {
    const { compilers, ...context } = inline;
    if (compilers.some((c) => !c.worker)) throw new Error('every compiler needs a worker module');
    for (let i = 0; i < size; i++) {
      const worker = startWorker(siblingModule('example-worker', import.meta.url));
      this.workers.push(worker);
      if (!worker) continue;
      worker.unref();
      worker.on('message', (reply: ExampleWorkerReply) => this.onReply(reply));
      worker.on('error', () => this.fail(i));
      worker.on('exit', () => this.fail(i));
      const init: ExampleWorkerRequest = {
        type: 'init',
        context,
        compilers: compilers.map((c) => c.worker!),
      };
      worker.postMessage(init);
    }
    this.started = this.size;
  }

  /** Worker threads still running. */
  get size(): number {
    return this.workers.filter(Boolean).length;
  }

  /** Transforms one batch in the next worker (or here, when none runs). */
  submit(inputs: RawInput[]): Promise<TransformedBatch> {
    const index = this.nextWorker();
    if (index === undefined) return this.runHere(inputs);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { worker: index, inputs, resolve, reject });
      this.workers[index]!.postMessage({ type: 'batch', seq, inputs } satisfies ExampleWorkerRequest);
    });
  }

  /** sha256 of a file, read and hashed by a worker; undefined when none runs. */
  hashFile(file: string): Promise<string> | undefined {
    const index = this.nextWorker();
    if (index === undefined || this.hashWaiter) return undefined;
    const done = new Promise<string>((resolve) => {
      this.hashWaiter = resolve;
    });
    this.workers[index]!.postMessage({ type: 'hash', file } satisfies ExampleWorkerRequest);
    return done;
  }

  /** Stops the workers (what is still pending is dropped: call after the last result). */
  destroy(): void {
    this.pending.clear();
    for (const [i, worker] of this.workers.entries()) {
      this.workers[i] = undefined;
      worker?.terminate().catch(() => undefined);
    }
  }

  private nextWorker(): number | undefined {
    for (let tried = 0; tried < this.workers.length; tried++) {
      const index = this.turn++ % this.workers.length;
      if (this.workers[index]) return index;
    }
    return undefined;
  }

  private onReply(reply: ExampleWorkerReply): void {
    if (reply.type === 'hash') {
      this.hashWaiter?.(reply.sha256);
      this.hashWaiter = undefined;
      return;
    }
    const p = this.pending.get(reply.seq);
    if (!p) return;
    this.pending.delete(reply.seq);
    if (reply.type === 'batch') p.resolve(reply.result);
    else this.runHere(p.inputs).then(p.resolve, p.reject);
  }

  /** A worker is gone: its batches (and a hash it owed) are done on this thread. */
  private fail(index: number): void {
    if (!this.workers[index]) return;
    this.workers[index] = undefined;
    for (const [seq, p] of this.pending) {
      if (p.worker !== index) continue;
      this.pending.delete(seq);
      this.runHere(p.inputs).then(p.resolve, p.reject);
    }
    this.hashWaiter?.('');
    this.hashWaiter = undefined;
  }

  private async runHere(inputs: RawInput[]): Promise<TransformedBatch> {
    this.batchesHere++;
    return transformBatch(inputs, this.inline);
  }
}
