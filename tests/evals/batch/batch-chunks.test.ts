import { describe, expect, it } from 'vitest';
import { type BatchChunk, planChunks } from '../../../evals/batch/batch-chunks.js';
import { openCaseStream } from '../../../evals/case-sources.js';
import { buildRequest } from '../../../evals/runner.js';
import { parseSuite } from '../../../evals/suite-loader.js';
import type { BatchCapability, Model } from '../../../src/provider.js';

const loaded = parseSuite({
  name: 'chunks',
  cases: Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, input: `question ${i}`, expected: `${i}` })),
});

function capability(maxRequests: number, maxBytes: number): BatchCapability {
  return {
    limits: { maxRequests, maxBytes, source: 'test', date: '2026-12-06' },
    encode: (customId, request) => JSON.stringify({ customId, request }),
    submit: async () => ({ key: '', remoteId: '' }),
    find: async () => undefined,
    poll: async () => {
      throw new Error('unused');
    },
    read: async function* () {},
  };
}

async function plan(batch: BatchCapability, repeats = 1, done: (id: string) => boolean = () => false) {
  const model: Model = { id: 'm', provider: 'test', generate: async () => ({ text: '', latencyMs: 0 }) };
  const chunks: BatchChunk[] = [];
  for await (const chunk of planChunks({
    model,
    batch,
    cases: (await openCaseStream(loaded)).cases(),
    suite: loaded.suite,
    repeats,
    buildRequest,
    isDone: (_m, id) => done(id),
  }))
    chunks.push(chunk);
  return chunks;
}

describe('planChunks', () => {
  it('splits at the request limit and keeps every (case, repeat) exactly once', async () => {
    const chunks = await plan(capability(4, 1_000_000), 2);
    expect(chunks.map((c) => c.items.length)).toEqual([4, 4, 4, 4, 4]);
    const ids = chunks.flatMap((c) => c.items.map((i) => i.customId));
    expect(new Set(ids).size).toBe(20);
    expect(ids.slice(0, 2)).toEqual(['0:c0', '1:c0']);
    // A repeat is a distinct sample: its seed differs.
    expect(chunks[0]?.lines[1]).toContain('"seed":1');
  });

  it('splits at the byte limit, counting the newline of each line', async () => {
    const one = Buffer.byteLength((await plan(capability(100, 1_000_000)))[0]?.lines[0] ?? '') + 1;
    const chunks = await plan(capability(100, one * 3));
    expect(chunks.map((c) => c.items.length)).toEqual([3, 3, 3, 1]);
    for (const chunk of chunks) {
      expect(chunk.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)).toBeLessThanOrEqual(one * 3);
    }
  });

  it('gives the same keys when a resumed run has fewer cases left', async () => {
    const fresh = await plan(capability(4, 1_000_000));
    const resumed = await plan(capability(4, 1_000_000), 1, (id) =>
      ['c0', 'c1', 'c2', 'c3', 'c5'].includes(id),
    );
    expect(resumed.map((c) => c.key)).toEqual(fresh.map((c) => c.key));
    expect(resumed[0]?.items.every((i) => i.done)).toBe(true);
    expect(resumed[1]?.items.filter((i) => i.done).map((i) => i.testCase.id)).toEqual(['c5']);
    expect(new Set(fresh.map((c) => c.key)).size).toBe(fresh.length);
  });

  it('leaves a request larger than a whole batch to the online queue', async () => {
    const chunks = await plan(capability(100, 10));
    expect(chunks).toEqual([]);
  });
});
