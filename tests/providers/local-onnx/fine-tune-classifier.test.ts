import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../../providers/local-onnx/base-features.js';
import {
  encodeText,
  extendVocabulary,
  loadBaseModel,
  padBatch,
  wordsOf,
} from '../../../providers/local-onnx/base-model.js';
import {
  ClassifierConfigSchema,
  fineTuneClassifier,
} from '../../../providers/local-onnx/fine-tune-classifier.js';
import { headLogits, TrainingStopped, trainHead } from '../../../providers/local-onnx/head-trainer.js';
import { buildMergedModel } from '../../../providers/local-onnx/merged-model.js';
import { encodeModel } from '../../../providers/local-onnx/onnx-graph-builder.js';
import { openSession, ort } from '../../../providers/local-onnx/onnx-session.js';
import {
  buildWordCountVocabulary,
  wordCountFeatures,
} from '../../../providers/local-onnx/word-count-features.js';
import { bankingSubset } from './banking-subset.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const logSoftmax = (row: number[]) => {
  const max = Math.max(...row);
  const lse = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return row.map((x) => x - lse);
};

describe('local classifier', () => {
  it('the merged model gives the same probabilities as base + heads run separately', async () => {
    const subset = bankingSubset(4, 20);
    const loaded = await loadBaseModel();
    const words = subset.train.flatMap((e) => wordsOf(loaded, e.text));
    const { base, withVector, withoutVector } = await extendVocabulary(loaded, words);
    expect(withVector.length + withoutVector.length).toBeGreaterThan(0);
    const labels = subset.labels;
    const y = Int32Array.from(subset.train.map((e) => labels.indexOf(e.label)));
    const session = (await openSession(base.modelBytes, 'cpu')).session;
    const texts = subset.test.map((e) => e.text);
    const x = await computeFeatures(
      base,
      subset.train.map((e) => e.text),
      session,
    );
    const opts = {
      hidden: 16,
      epochs: 3,
      batchSize: 16,
      learningRate: 1e-2,
      weightDecay: 0.01,
      warmupFraction: 0.1,
      patience: 5,
      seed: 3,
    };
    const head = await trainHead(x, y, undefined, labels.length, { ...opts, standardize: true });
    const docs = subset.train.map((e) => encodeText(base, e.text));
    const vocabulary = buildWordCountVocabulary(docs, new Set([0, 1]));
    const wordHead = await trainHead(wordCountFeatures(docs, vocabulary), y, undefined, labels.length, {
      ...opts,
      hidden: 0,
      standardize: false,
    });
    const weight = 0.3;

    const merged = await openSession(
      encodeModel(
        buildMergedModel({ base, head, wordCounts: { head: wordHead, vocabulary, weight }, labels }),
      ),
      'cpu',
    );
    const batch = padBatch(
      texts.map((t) => encodeText(base, t)),
      0,
    );
    const out = await merged.session.run({
      input_ids: new ort.Tensor('int64', batch.ids, batch.dims),
      attention_mask: new ort.Tensor('int64', batch.mask, batch.dims),
    });
    const probs = out.probabilities?.data as Float32Array;

    const hx = await computeFeatures(base, texts, session);
    expect(Array.from(out.pooled?.data as Float32Array)).toEqual(Array.from(hx.data));
    const a = await headLogits(head, hx);
    const b = await headLogits(
      wordHead,
      wordCountFeatures(
        texts.map((t) => encodeText(base, t)),
        vocabulary,
      ),
    );
    const C = labels.length;
    for (let r = 0; r < texts.length; r++) {
      const la = logSoftmax(Array.from(a.subarray(r * C, (r + 1) * C)));
      const lb = logSoftmax(Array.from(b.subarray(r * C, (r + 1) * C)));
      const expected = logSoftmax(la.map((v, i) => (1 - weight) * v + weight * (lb[i] as number))).map(
        Math.exp,
      );
      for (let c = 0; c < C; c++) expect(probs[r * C + c]).toBeCloseTo(expected[c] as number, 5);
    }
  });

  it('a stopped run resumes from its last epoch checkpoint and ends where an uninterrupted run does', async () => {
    const subset = bankingSubset(4, 20);
    const base = await loadBaseModel();
    const config = ClassifierConfigSchema.parse({
      hidden: 16,
      epochs: 5,
      batchSize: 16,
      device: 'cpu',
      seed: 2,
      patience: 10,
    });
    const run = async (root: string, stopAfterEpoch?: number) => {
      let epochs = 0;
      return fineTuneClassifier({
        base,
        train: subset.train,
        validation: subset.validation,
        config,
        workDir: join(root, 'work'),
        outDir: join(root, 'out'),
        cacheDir: join(root, 'cache'),
        hooks: {
          onEpoch: () => {
            epochs += 1;
          },
          shouldStop: () => stopAfterEpoch !== undefined && epochs >= stopAfterEpoch,
        },
      });
    };
    const a = await mkdtemp(join(tmpdir(), 'polytune-ft-'));
    const b = await mkdtemp(join(tmpdir(), 'polytune-ft-'));
    dirs.push(a, b);
    const straight = await run(a);
    await expect(run(b, 2)).rejects.toBeInstanceOf(TrainingStopped);
    const resumed = await run(b);
    expect(resumed.history.head.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(resumed.history.head.at(-1)?.valLoss).toBeCloseTo(
      straight.history.head.at(-1)?.valLoss as number,
      5,
    );
    expect(resumed.metrics.valAccuracy).toBeCloseTo(straight.metrics.valAccuracy as number, 5);
  });
});
