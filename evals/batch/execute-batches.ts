import { setTimeout as delay } from 'node:timers/promises';
import type {
  BatchCapability,
  BatchRef,
  BatchSnapshot,
  GenerateRequest,
  Generation,
  Model,
} from '../../src/provider.js';
import { type RetryPolicy, withRetry } from '../../src/retry.js';
import type { EvalEvent } from '../eval-events.js';
import type { EvalCase, LoadedSuite, Suite } from '../suite.js';
import { type BatchChunk, type BatchItem, planChunks } from './batch-chunks.js';
import { BatchLedger } from './batch-ledger.js';

export interface ExecuteBatchesOptions {
  suite: LoadedSuite;
  cases(): AsyncIterable<EvalCase>;
  models: Model[];
  repeats: number;
  buildRequest(testCase: EvalCase, suite: Suite): GenerateRequest;
  isDone(model: string, id: string, repeat: number): boolean;
  /** Grades a generation the batch returned and writes its result line. `model` carries the batch price. */
  settle(model: Model, testCase: EvalCase, repeat: number, generation: Generation): Promise<void>;
  /** Writes the error line of a case the service failed (with `failedLines: 'error'`). */
  fail(
    model: Model,
    testCase: EvalCase,
    repeat: number,
    error: { code: string; message: string },
  ): Promise<void>;
  /**
   * Lines the service failed, and lines of failed or expired batches: run them online (at the
   * online price), or write them as errors (nothing more is spent). @default 'online'
   */
  failedLines?: 'online' | 'error';
  emit(event: EvalEvent): void;
  /** Ledger root; batch records go to `<dir>/batches/`. @default '.polytune' */
  ledgerDir?: string;
  /** Time between status checks of a running batch. @default 30_000 */
  pollIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

interface Submitted {
  model: Model;
  batch: BatchCapability;
  chunk: BatchChunk;
  ref: BatchRef;
}

/**
 * Runs the cases of every model that has a batch service through it: chunks
 * within the service's limits, each recorded in the batch ledger before it is
 * created and looked up by its key first (so a killed run re-attaches and never
 * pays twice), polled to the end, and each answered line settled (graded and
 * written once). Lines the service failed, and whole failed or expired
 * batches, are left undone for the online queue that runs next, or written as
 * errors (`failedLines: 'error'`).
 */
export async function executeBatches(options: ExecuteBatchesOptions): Promise<void> {
  const ledger = new BatchLedger(options.ledgerDir);
  const submitted: Submitted[] = [];
  for (const model of options.models) {
    const batch = model.batch;
    if (!batch) continue;
    const chunks = planChunks({
      model,
      batch,
      cases: options.cases(),
      suite: options.suite.suite,
      repeats: options.repeats,
      buildRequest: options.buildRequest,
      isDone: options.isDone,
    });
    for await (const chunk of chunks) {
      if (options.signal?.aborted) return;
      if (chunk.items.every((item) => item.done)) continue;
      const ref = await attachOrCreate(ledger, model, batch, chunk, options);
      // The request lines are not needed once the service has them.
      chunk.lines = [];
      chunk.items = chunk.items.filter((item) => !item.done);
      submitted.push({ model, batch, chunk, ref });
    }
  }
  for (const entry of submitted) {
    if (options.signal?.aborted) return;
    const snapshot = await waitForBatch(entry, options);
    await settleBatch(entry, snapshot, options);
    const record = await ledger.read(entry.ref.key);
    const updatedAt = new Date((options.now ?? Date.now)()).toISOString();
    if (record) await ledger.write({ ...record, rawState: snapshot.rawState, updatedAt });
  }
}

/** The ledger record first, then a lookup by key, and only then a create. */
async function attachOrCreate(
  ledger: BatchLedger,
  model: Model,
  batch: BatchCapability,
  chunk: BatchChunk,
  options: ExecuteBatchesOptions,
): Promise<BatchRef> {
  const now = () => new Date((options.now ?? Date.now)()).toISOString();
  const base = { model: model.id, key: chunk.key, chunk: chunk.index };
  const record = await ledger.read(chunk.key);
  if (record?.remoteId) {
    options.emit({ type: 'batch', ...base, remoteId: record.remoteId, state: 'reattached' });
    return { key: chunk.key, remoteId: record.remoteId };
  }
  const pending = record ?? {
    version: 1 as const,
    key: chunk.key,
    model: model.id,
    chunk: chunk.index,
    requests: chunk.items.filter((item) => !item.done).length,
    createdAt: now(),
    updatedAt: now(),
  };
  if (!record) await ledger.write(pending);
  let created = false;
  const ref = await withRetry(
    async () => {
      // A create that reached the service before a crash or a lost answer is found here.
      const found = await batch.find(chunk.key, options.signal);
      if (found) return found;
      const lines = chunk.lines.filter((_, i) => !(chunk.items[i] as BatchItem).done);
      const made = await batch.submit(chunk.key, lines, options.signal);
      created = true;
      return made;
    },
    { ...options.retry, signal: options.signal, sleep: options.sleep },
  );
  await ledger.write({ ...pending, remoteId: ref.remoteId, updatedAt: now() });
  options.emit({ type: 'batch', ...base, remoteId: ref.remoteId, state: created ? 'created' : 'reattached' });
  return ref;
}

async function waitForBatch(entry: Submitted, options: ExecuteBatchesOptions): Promise<BatchSnapshot> {
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  let last = '';
  for (;;) {
    const snapshot = await withRetry(() => entry.batch.poll(entry.ref, options.signal), {
      ...options.retry,
      signal: options.signal,
      sleep: options.sleep,
    });
    const seen = `${snapshot.rawState} ${snapshot.counts.completed} ${snapshot.counts.failed}`;
    if (seen !== last) {
      last = seen;
      options.emit({
        type: 'batch',
        model: entry.model.id,
        key: entry.ref.key,
        chunk: entry.chunk.index,
        remoteId: entry.ref.remoteId,
        state: snapshot.state,
        rawState: snapshot.rawState,
        counts: snapshot.counts,
      });
    }
    if (TERMINAL.has(snapshot.state)) return snapshot;
    await sleep(options.pollIntervalMs ?? 30_000, options.signal);
  }
}

/** Writes every answered line; failed and missing lines stay undone for the online queue. */
async function settleBatch(
  entry: Submitted,
  snapshot: BatchSnapshot,
  options: ExecuteBatchesOptions,
): Promise<void> {
  const answers = new Map<string, Generation>();
  const errors = new Map<string, { code: string; message: string }>();
  for await (const line of entry.batch.read(entry.ref, options.signal)) {
    if ('generation' in line) answers.set(line.customId, line.generation);
    else errors.set(line.customId, line.error);
  }
  const priced: Model = { ...entry.model, price: entry.batch.price };
  let settled = 0;
  let reported = 0;
  for (const item of entry.chunk.items) {
    const generation = answers.get(item.customId);
    if (generation) {
      await options.settle(priced, item.testCase, item.repeat, generation);
      settled++;
    } else if (options.failedLines === 'error') {
      const error = errors.get(item.customId) ?? {
        code: snapshot.rawState,
        message: snapshot.error ?? `the batch ended ${snapshot.state} without an answer for this line`,
      };
      await options.fail(entry.model, item.testCase, item.repeat, error);
      reported++;
    }
  }
  const failed = errors.size;
  const left = entry.chunk.items.length - settled - reported;
  options.emit({
    type: 'batch',
    model: entry.model.id,
    key: entry.ref.key,
    chunk: entry.chunk.index,
    remoteId: entry.ref.remoteId,
    state: 'settled',
    rawState: snapshot.rawState,
    counts: { total: entry.chunk.items.length, completed: settled, failed },
    ...(left > 0 ? { online: left } : {}),
    ...(reported > 0 ? { reported } : {}),
    ...(snapshot.error ? { error: snapshot.error } : {}),
  });
}
