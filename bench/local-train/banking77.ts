/**
 * End-to-end local fine-tune on Banking77: vocabulary, base features, head +
 * word-count training, export; then accuracy on the official test file
 * (3,080 rows), fine-tuned vs. the zero-shot base, for several seeds.
 *
 *   npx tsx bench/local-train/banking77.ts [--seeds 0,1,2] [--device cpu|cuda|auto]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadBaseModel } from '../../providers/local-onnx/base-model.js';
import {
  ClassifierConfigSchema,
  fineTuneClassifier,
  type LabelledText,
} from '../../providers/local-onnx/fine-tune-classifier.js';
import { loadClassifierModel, zeroShotModel } from '../../providers/local-onnx/local-model.js';
import { seededRandom } from '../../src/seeded-random.js';

const DATA = process.env.BANKING77_DIR ?? '/work/shared/data';
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
};
const read = (file: string): LabelledText[] =>
  (
    parse(readFileSync(join(DATA, file)), { columns: true, skip_empty_lines: true }) as Array<{
      text: string;
      category: string;
    }>
  ).map((r) => ({
    text: r.text,
    label: r.category,
  }));

const all = read('banking77_train.csv');
const test = read('banking77_test.csv');
const rand = seededRandom(42);
const held = all.map(() => rand() < 0.1);
const train = all.filter((_, i) => !held[i]);
const validation = all.filter((_, i) => held[i]);
const seeds = arg('seeds', '0,1,2').split(',').map(Number);
const device = arg('device', 'auto') as 'auto' | 'cpu' | 'cuda';
const overrides = JSON.parse(arg('config', '{}')) as Record<string, unknown>;

const accuracy = async (model: { classify(t: string[]): Promise<Array<{ label: string }>> }) => {
  let correct = 0;
  for (let i = 0; i < test.length; i += 256) {
    const batch = test.slice(i, i + 256);
    const out = await model.classify(batch.map((e) => e.text));
    out.forEach((o, j) => {
      if (o.label === batch[j]?.label) correct++;
    });
  }
  return correct / test.length;
};

const base = await loadBaseModel();
const zs = await zeroShotModel(base, [...new Set(train.map((e) => e.label))].sort(), 'cpu');
const zeroShot = await accuracy(zs);
await zs.close?.();
process.stdout.write(
  `train ${train.length}, validation ${validation.length}, test ${test.length}; zero-shot accuracy ${zeroShot.toFixed(4)}\n`,
);
const results: number[] = [];
for (const seed of seeds) {
  const work = await mkdtemp(join(tmpdir(), 'polytune-b77-'));
  const config = ClassifierConfigSchema.parse({ ...overrides, seed, device });
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let last = t0;
  const manifest = await fineTuneClassifier({
    base,
    train,
    validation,
    config,
    workDir: join(work, 'work'),
    outDir: join(work, 'model'),
    cacheDir: join(work, 'cache'),
    hooks: {
      onLog: (m) => {
        const now = performance.now();
        phases[m.split(':')[0] as string] = (now - last) / 1000;
        last = now;
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = (await stat(join(work, 'model', 'model.onnx'))).size;
  const model = await loadClassifierModel(join(work, 'model'), 'cpu');
  const acc = await accuracy(model);
  await model.close?.();
  results.push(acc);
  process.stdout.write(
    `seed ${seed}: test accuracy ${acc.toFixed(4)} (val ${manifest.metrics.valAccuracy?.toFixed(4)}, head alone val ${manifest.metrics.headValAccuracy?.toFixed(4)}, word-count weight ${manifest.wordCountWeight}, head epochs ${manifest.history.head.length}, word epochs ${manifest.history.wordCounts.length}) in ${seconds.toFixed(1)} s on ${manifest.device}; model.onnx ${(bytes / 1e6).toFixed(2)} MB; +${manifest.addedWords.withVector}/${manifest.addedWords.withoutVector} words; phases ${JSON.stringify(phases)}\n`,
  );
  await rm(work, { recursive: true, force: true });
}
const mean = results.reduce((a, b) => a + b, 0) / results.length;
process.stdout.write(
  `mean test accuracy ${mean.toFixed(4)} over seeds ${seeds.join(',')} (zero-shot ${zeroShot.toFixed(4)})\n`,
);
