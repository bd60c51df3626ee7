import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetStats } from '../../../src/dataset/dataset-stats.js';
import { type PreparedData, PreparedManifestSchema } from '../../../src/dataset/prepared-manifest.js';

/**
 * A prepared folder with SageMaker-compiled files: instruction rows plus
 * `template.json` (completion kind) or dialog rows (chat kind).
 */
function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function writeSageMakerFixture(
  options: {
    kind?: 'completion' | 'chat';
    trainCount?: number;
    variant?: string;
    padTrainToBytes?: number;
  } = {},
): Promise<PreparedData> {
  const kind = options.kind ?? 'completion';
  const count = options.trainCount ?? 10;
  const variant = options.variant ?? 'a';
  const dir = await mkdtemp(join(tmpdir(), 'polytune-sagemaker-'));
  const row = (i: number) =>
    kind === 'chat'
      ? JSON.stringify({
          dialog: [
            { role: 'user', content: `What is ${i} + ${i}? (${variant})` },
            { role: 'assistant', content: String(2 * i) },
          ],
        })
      : JSON.stringify({
          instruction: `What is ${i} + ${i}? (${variant})`,
          context: '',
          response: String(2 * i),
        });
  let train = `${Array.from({ length: count }, (_, i) => row(i)).join('\n')}\n`;
  if (options.padTrainToBytes && train.length < options.padTrainToBytes) {
    const filler = row(0);
    train += `${Array.from({ length: Math.ceil((options.padTrainToBytes - train.length) / (filler.length + 1)) }, () => filler).join('\n')}\n`;
  }
  const validation = `${Array.from({ length: 3 }, (_, i) => row(100 + i)).join('\n')}\n`;
  const template = JSON.stringify({
    prompt:
      'Below is an instruction. Write a response.\n\n### Instruction:\n{instruction}\n\n### Input:\n{context}\n\n',
    completion: '### Response:\n{response}',
  });
  await mkdir(join(dir, 'sagemaker'), { recursive: true });
  await writeFile(join(dir, 'sagemaker', 'train.jsonl'), train);
  await writeFile(join(dir, 'sagemaker', 'validation.jsonl'), validation);
  if (kind === 'completion') await writeFile(join(dir, 'sagemaker', 'template.json'), template);
  for (const split of ['train', 'validation', 'test']) await writeFile(join(dir, `${split}.jsonl`), '');
  const dist = (n: number) => ({ min: 20, p50: 20, p90: 20, max: 20, mean: 20, total: 20 * n });
  const stats: DatasetStats = {
    kind,
    examples: { train: count, validation: 3, test: 0, total: count + 3 },
    tokens: { tokenizer: 'o200k_base', approximate: true, train: dist(count), validation: dist(3) },
  };
  const manifest = PreparedManifestSchema.parse({
    version: 1,
    createdBy: 'tests/providers/sagemaker/sagemaker-fixture.ts',
    kind,
    seed: 1,
    split: [0.8, 0.2, 0],
    source: { file: 'fixture.jsonl', sha256: sha256(train) },
    counts: { read: count + 3, kept: count + 3, dropped: 0 },
    splits: {
      train: { file: 'train.jsonl', count, sha256: sha256(train) },
      validation: { file: 'validation.jsonl', count: 3, sha256: sha256(validation) },
      test: { file: 'test.jsonl', count: 0, sha256: sha256('') },
    },
    compiled: {
      sagemaker: {
        train: { file: 'sagemaker/train.jsonl', count, sha256: sha256(train) },
        validation: { file: 'sagemaker/validation.jsonl', count: 3, sha256: sha256(validation) },
        extra:
          kind === 'completion'
            ? [{ file: 'sagemaker/template.json', count: 1, sha256: sha256(template) }]
            : [],
      },
    },
    dropped: [],
    stats,
  });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, manifest };
}

export function statsOf(data: PreparedData): DatasetStats {
  return data.manifest.stats as unknown as DatasetStats;
}
