import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilers } from '../../providers/compilers.js';
import { prepareDataset } from '../../src/dataset/prepare.js';
import { exampleTokens } from '../../src/dataset/token-count.js';
import { TokenCountPool } from '../../src/dataset/token-count-pool.js';

describe('token counting in a worker thread', () => {
  it('gives the counts of exampleTokens, in order, and hashes the source', async () => {
    const drafts = [
      { kind: 'completion' as const, prompt: 'hello world', completion: 'hi' },
      { kind: 'classification' as const, text: 'where is my card?', label: 'card_arrival' },
      {
        kind: 'chat' as const,
        messages: [
          { content: 'be brief', role: 'system' as const },
          { content: 'Straße café 日本語 😀', role: 'user' as const },
          { content: 'ok', role: 'assistant' as const },
        ],
      },
    ];
    const counts = new Uint32Array(drafts.length * 3);
    const pool = new TokenCountPool(() => counts);
    expect(pool.threaded).toBe(true);
    const hash = pool.hashFile('package.json');
    for (let k = 0; k < 3; k++) {
      await pool.submit(
        k * drafts.length,
        drafts.map((d) => JSON.stringify(d)),
      );
    }
    expect(pool.threaded).toBe(true); // the worker answered (no fallback to this thread)
    await pool.close();
    expect(Array.from(counts)).toEqual([0, 1, 2].flatMap(() => drafts.map((d) => exampleTokens(d))));
    expect(await hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prepares the same bytes with and without the worker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-tw-'));
    const file = 'fixtures/datasets/drone_tool_calls_30.jsonl';
    const on = await prepareDataset({ file, out: join(dir, 'on'), compilers, tokenWorker: 'on' });
    const off = await prepareDataset({ file, out: join(dir, 'off'), compilers, tokenWorker: 'off' });
    expect(on.stats).toEqual(off.stats);
    expect(on.manifest.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const f of ['manifest.json', 'train.jsonl', 'openai/train.jsonl', 'vertex/train.jsonl']) {
      expect(await readFile(join(dir, 'on', f))).toEqual(await readFile(join(dir, 'off', f)));
    }
  });
});
