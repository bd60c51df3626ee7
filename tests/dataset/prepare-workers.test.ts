import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilers } from '../../providers/compilers.js';
import { prepareDataset } from '../../src/dataset/prepare.js';
import { scanDataset } from '../../src/dataset/scan-dataset.js';

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path));
  }
  return out;
}

/** 3,000 completion lines over several batches: parse errors, wrong types, empties, exact and near duplicates. */
async function writeMixedFile(dir: string): Promise<string> {
  const file = join(dir, 'mixed.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    // Lines from 2,400 on repeat earlier ones (exact duplicates); every 10th is a near duplicate.
    const n = i % 2400;
    const prompt = `question ${n} about account ${n * 7919} and the card ${n % 13} ${i % 10 === 0 ? 'please' : ''}`;
    if (i % 97 === 5) lines.push('{"prompt": "cut off');
    else if (i % 89 === 7) lines.push(JSON.stringify({ prompt: 42, completion: ['x'] }));
    else if (i % 83 === 11) lines.push(JSON.stringify({ prompt: `${prompt} café\u0000`, completion: '  ' }));
    else lines.push(JSON.stringify({ prompt, completion: `answer ${n} for card ${n % 13}` }));
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** The drone tool-calling examples 40 times over, each copy's user turns marked so none is a duplicate. */
async function writeChatFile(dir: string): Promise<string> {
  const file = join(dir, 'chat.jsonl');
  const source = (await readFile('fixtures/datasets/drone_tool_calls_30.jsonl', 'utf8')).trim().split('\n');
  const lines: string[] = [];
  for (let copy = 0; copy < 12; copy++) {
    for (const line of source) {
      const example = JSON.parse(line) as { messages: { role: string; content: string | null }[] };
      for (const m of example.messages)
        if (m.role === 'user')
          m.content = `${m.content} (batch ${copy} of a long-running drone survey mission)`;
      lines.push(JSON.stringify(example));
    }
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

// The per-example work runs in worker threads for large files; what they write must be what the
// single-threaded scan writes, byte for byte, for every format and for bad lines among good ones.
describe('data prepare with worker threads', () => {
  it.each([
    ['generated: 360 chat examples with tools (several batches)', {}],
    ['generated: 3,000 completions with bad lines (several batches)', { onInvalid: 'drop' as const }],
    ['fixtures/datasets/banking77_train_300.csv', {}],
    ['fixtures/datasets/dolly_first100.jsonl', { stratify: 'category' }],
    ['fixtures/bad-inputs/not-json.jsonl', { onInvalid: 'drop' as const }],
  ])('%s: byte-identical output with 2 workers and with none', async (name, extra) => {
    let file = name;
    const dir = await mkdtemp(join(tmpdir(), 'polytune-workers-'));
    if (file.startsWith('generated: 360')) file = await writeChatFile(dir);
    else if (file.startsWith('generated: 3,000')) file = await writeMixedFile(dir);
    const run = (workers: number, out: string) =>
      prepareDataset({ file, out: join(dir, out), compilers, workers, ...extra }).then(
        (r) => {
          if (workers > 0 && name.startsWith('generated'))
            expect(r.threads).toEqual({ workers, batchesOnMainThread: 0 });
          return { ok: true as const, stats: r.stats, warnings: r.warnings };
        },
        (error: Error) => ({ ok: false as const, message: error.message }),
      );
    const pooled = await run(2, 'pooled');
    const single = await run(0, 'single');
    expect(pooled).toEqual(single);
    if (!single.ok) return;
    const a = await filesUnder(join(dir, 'pooled'));
    const b = await filesUnder(join(dir, 'single'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [name, bytes] of b) {
      const pooledBytes = a.get(name)!;
      // The manifest names the output folder; everything else must be equal to the byte.
      if (name === 'manifest.json')
        expect(pooledBytes.toString().replaceAll('pooled', 'single')).toBe(bytes.toString());
      else expect(pooledBytes.equals(bytes), name).toBe(true);
    }
  });

  it('reports the same findings, drops and counts over many batches with bad lines among good ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-workers-'));
    const file = await writeMixedFile(dir);
    const pooled = await scanDataset(file, { workers: 2 });
    const single = await scanDataset(file, { workers: 0 });
    expect(pooled.threads).toEqual({ workers: 2, batchesOnMainThread: 0 });
    expect(single.threads).toEqual({ workers: 0, batchesOnMainThread: 0 });
    expect(pooled.counts).toEqual(single.counts);
    expect(single.counts.dropped).toBeGreaterThan(600); // parse errors, wrong types, empties, exact and near duplicates
    expect(pooled.issueCounts).toEqual(single.issueCounts);
    expect(pooled.issues).toEqual(single.issues);
    expect(pooled.dropped).toEqual(single.dropped);
    expect(Array.from(pooled.tokens)).toEqual(Array.from(single.tokens));
    expect(Array.from(pooled.strata)).toEqual(Array.from(single.strata));
    pooled.nearIndex?.release();
    single.nearIndex?.release();
  });
});
