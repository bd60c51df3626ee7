import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { LabelledText } from '../../../providers/local-onnx/fine-tune-classifier.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';

const read = (file: string): LabelledText[] =>
  (
    parse(readFileSync(join('fixtures/banking77', file)), { columns: true }) as Array<{
      text: string;
      category: string;
    }>
  ).map((r) => ({
    text: r.text,
    label: r.category,
  }));

/** A small Banking77 subset: `labels` intents, a few examples each (keeps training to a second or two). */
export function bankingSubset(labels = 6, perLabel = 40) {
  const all = read('train.csv');
  const names = [...new Set(all.map((e) => e.label))].slice(0, labels);
  const pick = (rows: LabelledText[], n: number, skip = 0) =>
    names.flatMap((l) => rows.filter((e) => e.label === l).slice(skip, skip + n));
  return {
    labels: names,
    train: pick(all, perLabel),
    validation: pick(all, 10, perLabel),
    test: pick(read('test.csv'), 20),
  };
}

/** Writes it as a prepared folder (canonical splits + manifest), as `data prepare` would. */
export async function writePreparedSubset(dir: string, subset = bankingSubset()): Promise<PreparedData> {
  await mkdir(dir, { recursive: true });
  const lines = (rows: LabelledText[]) =>
    rows.map((e, i) => JSON.stringify({ id: String(i), kind: 'classification', ...e })).join('\n');
  await writeFile(join(dir, 'train.jsonl'), lines(subset.train));
  await writeFile(join(dir, 'validation.jsonl'), lines(subset.validation));
  await writeFile(join(dir, 'test.jsonl'), lines(subset.test));
  const split = (file: string, count: number) => ({ file, count, sha256: file });
  const manifest = {
    version: 1 as const,
    createdBy: 'test',
    kind: 'classification' as const,
    seed: 0,
    split: [0.8, 0.1, 0.1] as [number, number, number],
    source: { file: 'train.csv', sha256: 'x' },
    counts: { read: 0, kept: 0, dropped: 0 },
    splits: {
      train: split('train.jsonl', subset.train.length),
      validation: split('validation.jsonl', subset.validation.length),
      test: split('test.jsonl', subset.test.length),
    },
    compiled: {},
    dropped: [],
    stats: {},
    labels: subset.labels,
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, manifest };
}
