import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetStats } from '../../src/dataset/dataset-stats.js';
import { type PreparedData, PreparedManifestSchema } from '../../src/dataset/prepared-manifest.js';

/**
 * A hand-built prepared folder (manifest + canonical splits + OpenAI-compiled
 * files), for job and provider tests that must not depend on `prepareDataset`.
 */
export interface PreparedFixtureOptions {
  /** Training examples. @default 12 */
  trainCount?: number;
  /** Distinguishes datasets so their hashes differ. @default 'a' */
  variant?: string;
  kind?: 'chat' | 'preference';
  /** Compiled folders to write. @default ['openai'] */
  providers?: string[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function chatLine(i: number, variant: string): string {
  return JSON.stringify({
    messages: [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: `Question ${variant}-${i}: what is ${i} + ${i}?` },
      { role: 'assistant', content: String(i + i) },
    ],
  });
}

function preferenceLine(i: number, variant: string): string {
  return JSON.stringify({
    input: { messages: [{ role: 'user', content: `Say hi ${variant}-${i}` }] },
    preferred_output: [{ role: 'assistant', content: 'Hi!' }],
    non_preferred_output: [{ role: 'assistant', content: 'Go away.' }],
  });
}

export async function writePreparedFixture(options: PreparedFixtureOptions = {}): Promise<PreparedData> {
  const trainCount = options.trainCount ?? 12;
  const variant = options.variant ?? 'a';
  const kind = options.kind ?? 'chat';
  const dir = await mkdtemp(join(tmpdir(), 'polytune-prepared-'));
  const line = kind === 'chat' ? chatLine : preferenceLine;
  const lines = (from: number, count: number) =>
    `${Array.from({ length: count }, (_, i) => line(from + i, variant)).join('\n')}\n`;
  const train = lines(0, trainCount);
  const validation = lines(1000, 3);
  const test = lines(2000, 3);
  await writeFile(join(dir, 'train.jsonl'), train);
  await writeFile(join(dir, 'validation.jsonl'), validation);
  await writeFile(join(dir, 'test.jsonl'), test);
  const compiled: Record<string, unknown> = {};
  for (const provider of options.providers ?? ['openai']) {
    await mkdir(join(dir, provider), { recursive: true });
    await writeFile(join(dir, provider, 'train.jsonl'), train);
    await writeFile(join(dir, provider, 'validation.jsonl'), validation);
    compiled[provider] = {
      train: { file: `${provider}/train.jsonl`, count: trainCount, sha256: sha256(train) },
      validation: { file: `${provider}/validation.jsonl`, count: 3, sha256: sha256(validation) },
      extra: [],
    };
  }
  const perExample = 40;
  const stats: DatasetStats = {
    kind,
    examples: { train: trainCount, validation: 3, test: 3, total: trainCount + 6 },
    tokens: {
      tokenizer: 'o200k_base',
      approximate: false,
      train: {
        min: perExample,
        p50: perExample,
        p90: perExample,
        max: perExample,
        mean: perExample,
        total: perExample * trainCount,
      },
      validation: {
        min: perExample,
        p50: perExample,
        p90: perExample,
        max: perExample,
        mean: perExample,
        total: perExample * 3,
      },
    },
  };
  const manifest = PreparedManifestSchema.parse({
    version: 1,
    createdBy: 'tests/helpers/prepared-fixture.ts',
    kind,
    seed: 42,
    split: [0.8, 0.1, 0.1],
    source: { file: 'fixture.jsonl', sha256: sha256(train + validation + test) },
    counts: { read: trainCount + 6, kept: trainCount + 6, dropped: 0 },
    splits: {
      train: { file: 'train.jsonl', count: trainCount, sha256: sha256(train) },
      validation: { file: 'validation.jsonl', count: 3, sha256: sha256(validation) },
      test: { file: 'test.jsonl', count: 3, sha256: sha256(test) },
    },
    compiled,
    dropped: [],
    stats,
  });
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, manifest };
}
