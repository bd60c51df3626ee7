import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import { seededRandom } from '../../src/seeded-random.js';
import { cachedFeatures, type Features } from './base-features.js';
import { type BaseModel, encodeText, extendVocabulary, wordsOf } from './base-model.js';
import {
  decodeFloatRecord,
  type EpochMetrics,
  encodeFloatRecord,
  type HeadCheckpoint,
  headLogits,
  type TrainedHead,
  trainHead,
} from './head-trainer.js';
import { buildMergedModel } from './merged-model.js';
import { encodeModel } from './onnx-graph-builder.js';
import type { ResolvedDevice } from './onnx-session.js';
import { buildWordCountVocabulary, wordCountFeatures } from './word-count-features.js';

/** Training settings of the local classifier; the defaults reach ≥ 0.90 on Banking77 (bench/RESULTS.md). */
export const ClassifierConfigSchema = z.object({
  /** Hidden units of the head; 0 trains a linear head. @default 512 */
  hidden: z.number().int().nonnegative().default(512),
  /** @default 30 */
  epochs: z.number().int().positive().default(30),
  /** @default 64 */
  batchSize: z.number().int().positive().default(64),
  /** Peak AdamW rate. @default 0.001 */
  learningRate: z.number().positive().default(1e-3),
  /** @default 0.01 */
  weightDecay: z.number().nonnegative().default(0.01),
  /** @default 0.05 */
  warmupFraction: z.number().min(0).max(1).default(0.05),
  /** Epochs without a better validation loss before stopping. @default 3 */
  patience: z.number().int().positive().default(3),
  /** @default 0 */
  seed: z.number().int().nonnegative().default(0),
  /** Add training-set words the base lacks to its vocabulary. @default true */
  addWords: z.boolean().default(true),
  /** A word must occur this often in the training set to be added. @default 2 */
  minWordCount: z.number().int().positive().default(2),
  /** Train the TF-IDF word-count part and average it into the log-probabilities. @default true */
  wordCounts: z.boolean().default(true),
  /** Peak rate of the word-count part. @default 0.01 */
  wordCountLearningRate: z.number().positive().default(0.01),
  /** Share of the training set held out for early stopping when there is no validation split. @default 0.1 */
  holdout: z.number().min(0).max(0.5).default(0.1),
  /** @default "auto" */
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
});
export type ClassifierConfig = z.infer<typeof ClassifierConfigSchema>;

export interface LabelledText {
  text: string;
  label: string;
}

export type TrainingPhase = 'features' | 'head' | 'word-counts' | 'export';

export interface FineTuneHooks {
  onLog?(message: string, metrics?: Record<string, number>): void | Promise<void>;
  onEpoch?(phase: TrainingPhase, metrics: EpochMetrics): void | Promise<void>;
  shouldStop?(): boolean | Promise<boolean>;
}

export interface ClassifierManifest {
  format: 'polytune-local-classifier';
  version: 1;
  model: string;
  tokenizer: string;
  labels: string[];
  base: { name: string; dir: string; id: string };
  device: ResolvedDevice;
  config: ClassifierConfig;
  addedWords: { withVector: number; withoutVector: number };
  wordCountWeight: number;
  metrics: Record<string, number>;
  history: { head: EpochMetrics[]; wordCounts: EpochMetrics[] };
}

interface StoredHead extends Omit<TrainedHead, 'params' | 'mean' | 'std'> {
  params: Record<string, string>;
  mean?: string;
  std?: string;
}

function storeHead(head: TrainedHead): StoredHead {
  const extra: Record<string, Float32Array> = {};
  if (head.mean) extra.mean = head.mean;
  if (head.std) extra.std = head.std;
  const enc = encodeFloatRecord(extra);
  return { ...head, params: encodeFloatRecord(head.params), mean: enc.mean, std: enc.std };
}

function loadHead(stored: StoredHead): TrainedHead {
  const extra = decodeFloatRecord(
    Object.fromEntries(Object.entries({ mean: stored.mean, std: stored.std }).filter(([, v]) => v)) as Record<
      string,
      string
    >,
  );
  return { ...stored, params: decodeFloatRecord(stored.params), mean: extra.mean, std: extra.std };
}

function storeCheckpoint(c: HeadCheckpoint) {
  return {
    ...c,
    params: encodeFloatRecord(c.params),
    m: encodeFloatRecord(c.m),
    v: encodeFloatRecord(c.v),
    best: { ...c.best, params: encodeFloatRecord(c.best.params) },
  };
}

function loadCheckpoint(s: ReturnType<typeof storeCheckpoint>): HeadCheckpoint {
  return {
    ...s,
    params: decodeFloatRecord(s.params),
    m: decodeFloatRecord(s.m),
    v: decodeFloatRecord(s.v),
    best: { ...s.best, params: decodeFloatRecord(s.best.params) },
  };
}

function accuracyOf(logProbs: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let arg = 0;
    for (let c = 1; c < classes; c++)
      if ((logProbs[r * classes + c] as number) > (logProbs[r * classes + arg] as number)) arg = c;
    if (arg === labels[r]) correct++;
  }
  return correct / Math.max(1, labels.length);
}

function logSoftmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c] as number);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[r * classes + c] as number) - max);
    const lse = Math.log(sum) + max;
    for (let c = 0; c < classes; c++) out[r * classes + c] = (logits[r * classes + c] as number) - lse;
  }
  return out;
}

interface ClassifierRun {
  args: FineTuneArgs;
  labels: string[];
  trainLabels: Int32Array;
  valLabels: Int32Array;
  validationCount: number;
  device: ResolvedDevice;
}

interface FineTuneArgs {
  base: BaseModel;
  train: readonly LabelledText[];
  validation: readonly LabelledText[];
  config: ClassifierConfig;
  workDir: string;
  outDir: string;
  cacheDir: string;
  hooks?: FineTuneHooks;
}

/** Labels, sorted; and a validation split held out of training when none was given. */
function labelledSplits(args: FineTuneArgs) {
  const { config } = args;
  if (args.train.length === 0)
    throw new PolytuneError('INVALID_INPUT', 'The training split is empty.', {
      hint: 'Prepare a dataset with classification examples.',
    });
  const labels = [...new Set(args.train.map((e) => e.label))].sort();
  if (labels.length < 2) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `A classifier needs at least 2 labels; the training split has ${labels.length}.`,
      { hint: 'Check the label column of the dataset.' },
    );
  }
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  let train = [...args.train];
  let validation = args.validation.filter((e) => labelIndex.has(e.label));
  if (validation.length === 0 && config.holdout > 0) {
    const rand = seededRandom(config.seed + 17);
    const held = new Set<number>();
    train.forEach((_, i) => {
      if (rand() < config.holdout) held.add(i);
    });
    validation = train.filter((_, i) => held.has(i));
    train = train.filter((_, i) => !held.has(i));
  }
  return { labels, labelIndex, train, validation };
}

/** The training set's words the base lacks, added to its vocabulary. */
async function grownBase(args: FineTuneArgs, train: readonly LabelledText[]) {
  let base = args.base;
  let added = { withVector: 0, withoutVector: 0 };
  if (!args.config.addWords) return { base, added };
  const counts = new Map<string, number>();
  for (const e of train) for (const w of wordsOf(base, e.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts].filter(([, n]) => n >= args.config.minWordCount).map(([w]) => w);
  const ext = await extendVocabulary(base, words);
  base = ext.base;
  added = { withVector: ext.withVector.length, withoutVector: ext.withoutVector.length };
  await args.hooks?.onLog?.(
    `vocabulary: +${added.withVector} words with vectors, +${added.withoutVector} for word counts only`,
    added,
  );
  return { base, added };
}

/** Trains one phase (head or word counts), resuming from its checkpoint; a finished phase is read back. */
async function runPhase(
  run: ClassifierRun,
  phase: 'head' | 'word-counts',
  x: Features,
  vx: Features,
  options: Parameters<typeof trainHead>[4],
): Promise<TrainedHead> {
  const { args } = run;
  const hooks = args.hooks ?? {};
  const doneFile = join(args.workDir, `${phase}.done.json`);
  if (existsSync(doneFile)) return loadHead(JSON.parse(await readFile(doneFile, 'utf8')) as StoredHead);
  const ckptFile = join(args.workDir, `${phase}.checkpoint.json`);
  const checkpoint = existsSync(ckptFile)
    ? loadCheckpoint(JSON.parse(await readFile(ckptFile, 'utf8')))
    : undefined;
  if (checkpoint) await hooks.onLog?.(`${phase}: resuming after epoch ${checkpoint.epoch}`);
  const head = await trainHead(
    x,
    run.trainLabels,
    run.validationCount > 0 ? { x: vx, labels: run.valLabels } : undefined,
    run.labels.length,
    options,
    {
      device: args.config.device === 'auto' ? run.device : args.config.device,
      checkpoint,
      onDevice: (d, reason) => {
        run.device = d;
        if (reason) void hooks.onLog?.(`CUDA unavailable, training on CPU (${reason})`);
      },
      saveCheckpoint: (c) => writeJsonAtomic(ckptFile, storeCheckpoint(c)),
      onEpoch: (m) => hooks.onEpoch?.(phase, m),
      shouldStop: hooks.shouldStop,
    },
  );
  await writeJsonAtomic(doneFile, storeHead(head));
  return head;
}

type WordCounts = {
  head: TrainedHead;
  vocabulary: ReturnType<typeof buildWordCountVocabulary>;
  weight: number;
};

/** The TF-IDF word-count part, and its weight in the mix chosen on validation. */
async function trainWordCounts(
  run: ClassifierRun,
  base: BaseModel,
  texts: { train: readonly LabelledText[]; validation: readonly LabelledText[] },
  headVal: Float32Array,
  metrics: Record<string, number>,
): Promise<WordCounts> {
  const { config } = run.args;
  const trainDocs = texts.train.map((e) => encodeText(base, e.text));
  const valDocs = texts.validation.map((e) => encodeText(base, e.text));
  const unk = base.tokenizerJson.model.vocab[base.tokenizerJson.model.unk_token];
  const vocabulary = buildWordCountVocabulary(
    trainDocs,
    new Set([base.config.padId, ...(unk === undefined ? [] : [unk])]),
  );
  const wvx = wordCountFeatures(valDocs, vocabulary);
  const wordHead = await runPhase(run, 'word-counts', wordCountFeatures(trainDocs, vocabulary), wvx, {
    hidden: 0,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.wordCountLearningRate,
    weightDecay: 0,
    warmupFraction: config.warmupFraction,
    patience: config.patience,
    seed: config.seed,
    standardize: false,
  });
  const classes = run.labels.length;
  const wordVal = logSoftmaxRows(await headLogits(wordHead, wvx, run.device), classes);
  let bestWeight = 0;
  let bestAccuracy = metrics.headValAccuracy as number;
  const mixed = new Float32Array(headVal.length);
  for (let step = 1; step <= 16; step++) {
    const w = step * 0.05;
    for (let i = 0; i < mixed.length; i++)
      mixed[i] = (1 - w) * (headVal[i] as number) + w * (wordVal[i] as number);
    const acc = accuracyOf(mixed, run.valLabels, classes);
    if (acc > bestAccuracy + 1e-9) {
      bestAccuracy = acc;
      bestWeight = w;
    }
  }
  metrics.wordCountValAccuracy = accuracyOf(wordVal, run.valLabels, classes);
  metrics.wordCountWeight = bestWeight;
  metrics.valAccuracy = bestAccuracy;
  return { head: wordHead, vocabulary, weight: bestWeight };
}

/** One merged file + tokenizer + manifest in `outDir`. */
async function exportClassifier(
  run: ClassifierRun,
  base: BaseModel,
  parts: { head: TrainedHead; wordCounts?: WordCounts; added: ClassifierManifest['addedWords'] },
  metrics: Record<string, number>,
): Promise<ClassifierManifest> {
  const { args, labels } = run;
  const { head, wordCounts } = parts;
  const merged = buildMergedModel({
    base,
    head,
    wordCounts,
    labels,
    metadata: { 'polytune.base': base.config.name },
  });
  await writeFile(join(args.outDir, 'model.onnx'), encodeModel(merged));
  await writeFile(join(args.outDir, 'tokenizer.json'), JSON.stringify(base.tokenizerJson));
  const manifest: ClassifierManifest = {
    format: 'polytune-local-classifier',
    version: 1,
    model: 'model.onnx',
    tokenizer: 'tokenizer.json',
    labels,
    base: { name: base.config.name, dir: args.base.dir, id: args.base.id },
    device: run.device,
    config: args.config,
    addedWords: parts.added,
    wordCountWeight: wordCounts?.weight ?? 0,
    metrics,
    history: { head: head.history, wordCounts: wordCounts?.head.history ?? [] },
  };
  await writeFile(
    join(args.outDir, 'manifest.json'),
    `${JSON.stringify({ ...manifest, inputs: base.config.inputs, padId: base.config.padId, maxLength: base.config.maxLength }, null, 2)}\n`,
  );
  return manifest;
}

/**
 * The whole local fine-tune: grow the vocabulary, compute (cached) base
 * features, train the head and the word-count part with checkpoints in
 * `workDir`, choose the mix weight on validation, export one merged model to
 * `outDir`. Re-running with the same `workDir` resumes where it stopped.
 */
export async function fineTuneClassifier(args: FineTuneArgs): Promise<ClassifierManifest> {
  const { config, hooks = {} } = args;
  const { labels, labelIndex, train, validation } = labelledSplits(args);
  await mkdir(args.workDir, { recursive: true });
  await mkdir(args.outDir, { recursive: true });
  const { base, added } = await grownBase(args, train);
  // Frozen base features, cached by content hash.
  const trainRun = await cachedFeatures(
    base,
    train.map((e) => e.text),
    args.cacheDir,
    config.device,
  );
  const valRun = await cachedFeatures(
    base,
    validation.map((e) => e.text),
    args.cacheDir,
    trainRun.cached ? config.device : trainRun.device,
  );
  await hooks.onLog?.(
    `features: ${train.length} train + ${validation.length} validation texts${trainRun.cached ? ' (cached)' : ''}`,
  );
  const run: ClassifierRun = {
    args,
    labels,
    trainLabels: Int32Array.from(train.map((e) => labelIndex.get(e.label) as number)),
    valLabels: Int32Array.from(validation.map((e) => labelIndex.get(e.label) as number)),
    validationCount: validation.length,
    device: trainRun.cached ? valRun.device : trainRun.device,
  };
  const head = await runPhase(run, 'head', trainRun.features, valRun.features, {
    hidden: config.hidden,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    weightDecay: config.weightDecay,
    warmupFraction: config.warmupFraction,
    patience: config.patience,
    seed: config.seed,
    standardize: true,
  });
  const headVal = logSoftmaxRows(await headLogits(head, valRun.features, run.device), labels.length);
  const metrics: Record<string, number> = {
    headValAccuracy: accuracyOf(headVal, run.valLabels, labels.length),
    headBestEpoch: head.bestEpoch,
  };
  const wordCounts =
    config.wordCounts && validation.length > 0
      ? await trainWordCounts(run, base, { train, validation }, headVal, metrics)
      : undefined;
  if (!wordCounts) metrics.valAccuracy = metrics.headValAccuracy as number;
  return exportClassifier(run, base, { head, wordCounts, added }, metrics);
}
