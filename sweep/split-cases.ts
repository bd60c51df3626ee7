import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { exampleToCase } from '../evals/case-sources.js';
import type { CaseSource, LoadedSuite } from '../evals/suite.js';
import type { Example } from '../src/dataset/example.js';
import { readExamples, readPrepared } from '../src/dataset/read-prepared.js';

export type SplitName = 'validation' | 'test';

/**
 * Reads one split file of a prepared folder. Injectable so a test can count
 * the reads (the test split must be read once, for the winner only).
 */
export type SplitReader = (file: string, split: SplitName) => AsyncIterable<Example>;

export const readSplit: SplitReader = (file) => readExamples(file);

/**
 * A copy of the suite in which every `heldout` source reads the given split of
 * its prepared folder instead of the test split: the split is written once as
 * a JSONL case file under `dir` and the source becomes a `file` source with the
 * same category, so generated edge and adversarial cases derive from it. A
 * suite without a held-out source gets one from `dataDir` (the sweep's data).
 */
export async function suiteOnSplit(
  loaded: LoadedSuite,
  split: SplitName,
  options: { dataDir: string; dir: string; read?: SplitReader },
): Promise<LoadedSuite> {
  const read = options.read ?? readSplit;
  const { suite, baseDir } = loaded;
  const heldout = suite.sources.some((s) => 'heldout' in s)
    ? suite.sources
    : [{ heldout: options.dataDir, category: 'held-out' } as CaseSource, ...suite.sources];
  await mkdir(options.dir, { recursive: true });
  let labels = suite.labels;
  const sources: CaseSource[] = [];
  for (const [index, source] of heldout.entries()) {
    if (!('heldout' in source)) {
      sources.push(source);
      continue;
    }
    const prepared = await readPrepared(resolve(baseDir, source.heldout));
    labels ??= prepared.manifest.labels;
    const file = resolve(options.dir, `${split}-${index}.jsonl`);
    const out = createWriteStream(file);
    let count = 0;
    for await (const example of read(join(prepared.dir, prepared.manifest.splits[split].file), split)) {
      if (source.limit !== undefined && count >= source.limit) break;
      const testCase = exampleToCase(example, source.category, suite.labels ?? prepared.manifest.labels);
      if (!testCase) continue;
      count++;
      if (!out.write(`${JSON.stringify(testCase)}\n`)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
    sources.push({ file, category: source.category });
  }
  return {
    ...loaded,
    suite: { ...suite, sources, ...(labels ? { labels } : {}) },
  };
}
