import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilers } from '../../providers/compilers.js';
import { type Example, exampleId } from '../../src/dataset/example.js';
import { prepareDataset } from '../../src/dataset/prepare.js';
import { PreparedManifestSchema } from '../../src/dataset/prepared-manifest.js';
import { readExamples, readPrepared } from '../../src/dataset/read-prepared.js';

const BANKING = 'fixtures/banking77/train.csv';

async function outDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'polytune-prep-')), 'out');
}

async function collect(file: string): Promise<Example[]> {
  const out: Example[] = [];
  for await (const e of readExamples(file)) out.push(e);
  return out;
}

describe('prepareDataset on Banking77 (10,003 rows)', () => {
  it('accounts for every row, stratifies by label, and is byte-identical on re-run', async () => {
    const a = await prepareDataset({ file: BANKING, out: await outDir(), seed: 7, compilers });
    const m = a.manifest;
    expect(m.counts.read).toBe(10_003);
    expect(m.counts.kept + m.counts.dropped).toBe(m.counts.read);
    expect(m.dropped).toHaveLength(m.counts.dropped);
    expect(m.dropped.every((d) => d.line && d.reason)).toBe(true);
    expect(m.splits.train.count + m.splits.validation.count + m.splits.test.count).toBe(m.counts.kept);
    expect(Object.keys(m.compiled).sort()).toEqual(['local-onnx', 'openai', 'sagemaker', 'vertex']);
    expect(m.labels).toHaveLength(77);
    expect(PreparedManifestSchema.safeParse(m).success).toBe(true);

    // Every label keeps its 70/20/10 proportion (within rounding of one example).
    const train = await collect(join(a.dir, 'train.jsonl'));
    const perLabel = new Map<string, number>();
    for (const e of train)
      if (e.kind === 'classification') perLabel.set(e.label, (perLabel.get(e.label) ?? 0) + 1);
    for (const [label, total] of Object.entries(a.stats.labels!)) {
      expect(Math.abs((perLabel.get(label) ?? 0) - total * 0.7)).toBeLessThanOrEqual(1);
    }
    // Ids are the shared exampleId() of the canonical content.
    expect(train.slice(0, 50).every((e) => e.id === exampleId(e))).toBe(true);

    const b = await prepareDataset({ file: BANKING, out: await outDir(), seed: 7, compilers });
    for (const f of [
      'train.jsonl',
      'validation.jsonl',
      'test.jsonl',
      'openai/train.jsonl',
      'vertex/validation.jsonl',
      'sagemaker/template.json',
      'manifest.json',
    ]) {
      expect(await readFile(join(b.dir, f))).toEqual(await readFile(join(a.dir, f)));
    }
    const subset = 'fixtures/datasets/banking77_train_300.csv';
    const s7 = await prepareDataset({ file: subset, out: await outDir(), seed: 7 });
    const s8 = await prepareDataset({ file: subset, out: await outDir(), seed: 8 });
    expect(s8.manifest.splits.train.sha256).not.toBe(s7.manifest.splits.train.sha256);
  });
});

describe('prepareDataset details', () => {
  it('reports validation/test examples that near-duplicate a training example (leakage)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-leak-'));
    const file = join(dir, 'leak.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const text = `customer ${i} asks about the status of order number ${i * 7919} placed on day ${i % 28}`;
      lines.push(JSON.stringify({ prompt: text, completion: `answer ${i}` }));
      lines.push(JSON.stringify({ prompt: `${text}!`, completion: `answer ${i}` }));
    }
    await writeFile(file, lines.join('\n'));
    const kept = await prepareDataset({
      file,
      out: join(dir, 'keep'),
      seed: 1,
      dedupe: { nearDuplicates: 'keep', nearDuplicateThreshold: 0.8 },
    });
    expect(kept.manifest.counts.kept).toBe(80);
    expect(kept.leakage.length).toBeGreaterThan(0);
    expect(kept.manifest.leakage).toEqual(kept.leakage);
    expect(kept.leakage[0]).toMatchObject({ similarity: expect.any(Number), trainLine: expect.any(Number) });
    // Dropping near-duplicates (the default) removes the pairs and the leakage.
    const dropped = await prepareDataset({
      file,
      out: join(dir, 'drop'),
      seed: 1,
      dedupe: { nearDuplicateThreshold: 0.8 },
    });
    const { read, kept: k, dropped: d } = dropped.manifest.counts;
    expect(read).toBe(80);
    expect(k + d).toBe(80);
    expect(k).toBeLessThanOrEqual(40);
    expect(dropped.manifest.dropped[0]!).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/near duplicate .* of line 1$/),
    });
    expect(dropped.leakage).toEqual([]);
  });

  it('fails on invalid records unless asked to drop them, and writes nothing on failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-inv-'));
    const file = join(dir, 'mixed.jsonl');
    await writeFile(
      file,
      [
        '{"text":"hello there","label":"greet"}',
        '{"text":"","label":"greet"}',
        '{"text":"bye now","label":"leave"}',
        '{bad',
        '{"text":" hello there\\u0000 ","label":"greet"}',
      ].join('\n'),
    );
    await expect(prepareDataset({ file, out: join(dir, 'a') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      line: 2,
    });
    const r = await prepareDataset({
      file,
      out: join(dir, 'b'),
      onInvalid: 'drop',
      dedupe: { nearDuplicateThreshold: 1 },
    });
    expect(r.manifest.counts).toEqual({ read: 5, kept: 2, dropped: 3 });
    expect(r.manifest.dropped.map((d) => d.line)).toEqual([2, 4, 5]);
    expect(r.manifest.dropped[2]!.reason).toBe('exact duplicate of line 1');
    const opened = await readPrepared(join(dir, 'b'), { verify: true });
    expect(opened.manifest.counts.kept).toBe(2);
  });

  it('stratifies by a category column when asked (Dolly categories)', async () => {
    const r = await prepareDataset({
      file: 'fixtures/datasets/dolly_first100.jsonl',
      out: await outDir(),
      stratify: 'category',
      split: [0.5, 0.5, 0],
    });
    const train = await collect(join(r.dir, 'train.jsonl'));
    const byCat = new Map<string, number>();
    for (const e of train)
      byCat.set(String(e.meta?.category), (byCat.get(String(e.meta?.category)) ?? 0) + 1);
    // open_qa has 30 rows: exactly half go to train.
    expect(byCat.get('open_qa')).toBe(15);
    expect(r.manifest.splits.test.count).toBe(0);
  });

  it('readPrepared rejects a folder without or with a broken manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-rp-'));
    await expect(readPrepared(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await writeFile(join(dir, 'manifest.json'), '{"version": 2}');
    await expect(readPrepared(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /schema/ });
  });
});
