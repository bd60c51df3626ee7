import { createHash } from 'node:crypto';
import type { BatchCapability, GenerateRequest, Model } from '../../src/provider.js';
import type { EvalCase, Suite } from '../suite.js';
import { batchKey } from './batch-key.js';

/** One (case, repeat) in a batch, and whether results.jsonl already has it. */
export interface BatchItem {
  testCase: EvalCase;
  repeat: number;
  customId: string;
  done: boolean;
}

/** A slice of the suite that fits one batch of the service. */
export interface BatchChunk {
  index: number;
  key: string;
  items: BatchItem[];
  /** The encoded request of each item, same order; dropped once submitted. */
  lines: string[];
}

export interface PlanChunksOptions {
  model: Model;
  batch: BatchCapability;
  cases: AsyncIterable<EvalCase>;
  suite: Suite;
  repeats: number;
  buildRequest(testCase: EvalCase, suite: Suite): GenerateRequest;
  isDone(model: string, id: string, repeat: number): boolean;
}

/**
 * polytune's own cap on one chunk's JSONL, below the services' (200 MB, 1 GB): a chunk's lines
 * are held in memory until uploaded, and one JavaScript string tops out near 512 MB.
 */
export const MAX_CHUNK_BYTES = 100 * 1024 * 1024;

/** `0:case-id` for the first run of a case, `1:case-id` for its second repeat. */
export function customIdOf(repeat: number, caseId: string): string {
  return `${repeat}:${caseId}`;
}

/**
 * Splits every (case, repeat) of the suite into chunks within the service's
 * per-batch request and byte limits. Chunks cover the whole suite, finished
 * cases included, so a chunk's index and key do not move when a resumed run
 * has fewer cases left. Cases without graders, and single requests larger than
 * a whole batch, are left out: the online queue handles them.
 */
export async function* planChunks(options: PlanChunksOptions): AsyncIterable<BatchChunk> {
  const { model, batch, suite, repeats } = options;
  const { maxRequests } = batch.limits;
  const maxBytes = Math.min(batch.limits.maxBytes, MAX_CHUNK_BYTES);
  let items: BatchItem[] = [];
  let lines: string[] = [];
  let bytes = 0;
  let index = 0;
  const flush = (): BatchChunk => {
    const hash = createHash('sha256');
    for (const line of lines) hash.update(line).update('\n');
    const chunk = { index, key: batchKey(model.id, index, hash.digest('hex')), items, lines };
    index++;
    items = [];
    lines = [];
    bytes = 0;
    return chunk;
  };
  for await (const testCase of options.cases) {
    if (!testCase.graders || testCase.graders.length === 0) continue;
    const request = options.buildRequest(testCase, suite);
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Repeats are distinct samples: the same seed offset as the online runner.
      const keyed = repeat > 0 ? { ...request, seed: (request.seed ?? 0) + repeat } : request;
      const customId = customIdOf(repeat, testCase.id);
      const line = batch.encode(customId, keyed);
      const size = Buffer.byteLength(line) + 1;
      if (size > maxBytes) continue;
      if (items.length >= maxRequests || bytes + size > maxBytes) yield flush();
      items.push({ testCase, repeat, customId, done: options.isDone(model.id, testCase.id, repeat) });
      lines.push(line);
      bytes += size;
    }
  }
  if (items.length > 0) yield flush();
}
