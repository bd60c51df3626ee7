import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { PolytuneError } from '../../src/errors.js';
import type { GenerateRequest, Generation, Model } from '../../src/provider.js';
import { type BaseModel, encodeText, padBatch } from './base-model.js';
import { type Device, type OpenedSession, openSession, ort, type ResolvedDevice } from './onnx-session.js';

export const LOCAL_PRICE = {
  inputPer1M: 0,
  outputPer1M: 0,
  source: 'local: runs on your own machine (no per-token charge; electricity and hardware not counted)',
  date: '2026-01-01',
};

/** The text a classifier sees: the prompt, or the last user message of a chat. */
export function inputText(input: GenerateRequest['input']): string {
  if (typeof input === 'string') return input;
  const users = input.filter((m) => m.role === 'user');
  return (users[users.length - 1] ?? input[input.length - 1])?.content ?? '';
}

interface Pending {
  text: string;
  resolve(result: Classified): void;
  reject(error: unknown): void;
}

/** One text's label, every label's probability, and how many tokens the base read. */
export interface Classified {
  label: string;
  probabilities: Record<string, number>;
  tokens: number;
}

/**
 * Collects concurrent `generate` calls and runs them as one batch per tick
 * (up to `maxBatch`), since one session.run over 64 texts costs about what
 * one over a single text does.
 */
class Batcher {
  private queue: Pending[] = [];
  private scheduled = false;
  constructor(
    private readonly run: (texts: string[]) => Promise<Array<Classified>>,
    private readonly maxBatch = 64,
  ) {}

  classify(text: string): Promise<Classified> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((p) => p.text));
        batch.forEach((p, i) => {
          p.resolve(results[i] as Classified);
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }
}

export interface LocalModel extends Model {
  labels: readonly string[];
  device: ResolvedDevice;
  classify(texts: string[]): Promise<Array<Classified>>;
}

function toGeneration(
  result: { label: string; probabilities: Record<string, number>; tokens: number },
  started: number,
): Generation {
  return {
    text: result.label,
    probabilities: result.probabilities,
    // Tokens the base read; a classifier generates none. Reported so cost and token figures are real zeros.
    usage: { inputTokens: result.tokens, outputTokens: 0 },
    latencyMs: performance.now() - started,
  };
}

/** A classifier as a Model: concurrent generate calls are batched into one session run. */
function servedModel(
  id: string,
  labels: readonly string[],
  opened: OpenedSession,
  classify: (texts: string[]) => Promise<Classified[]>,
): LocalModel {
  const batcher = new Batcher(classify);
  return {
    id,
    provider: 'local-onnx',
    labels,
    device: opened.device,
    price: LOCAL_PRICE,
    classify,
    async generate(request: GenerateRequest): Promise<Generation> {
      const started = performance.now();
      return toGeneration(await batcher.classify(inputText(request.input)), started);
    },
    close: () => opened.session.release(),
  };
}

/** Serves an exported classifier folder (model.onnx, tokenizer.json, manifest.json). */
export async function loadClassifierModel(dir: string, device: Device = 'auto'): Promise<LocalModel> {
  const root = resolve(dir);
  const missing = ['manifest.json', 'model.onnx', 'tokenizer.json'].filter((f) => !existsSync(join(root, f)));
  if (missing.length > 0) {
    throw new PolytuneError(
      'NOT_FOUND',
      `${root} is not an exported local model: ${missing.join(', ')} missing.`,
      {
        hint: 'Point at the output folder of a finished local-onnx job (its `model/` folder), or the job folder itself.',
      },
    );
  }
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8')) as {
    labels: string[];
    inputs: { ids: string; mask: string };
    padId: number;
    maxLength: number;
  };
  const tokenizer = new Tokenizer(JSON.parse(await readFile(join(root, 'tokenizer.json'), 'utf8')), {});
  const opened = await openSession(join(root, 'model.onnx'), device);
  const { labels } = manifest;
  const classify = async (texts: string[]) => {
    const ids = texts.map((t) => tokenizer.encode(t).ids.slice(0, manifest.maxLength));
    const batch = padBatch(ids, manifest.padId);
    const out = await opened.session.run({
      [manifest.inputs.ids]: new ort.Tensor('int64', batch.ids, batch.dims),
      [manifest.inputs.mask]: new ort.Tensor('int64', batch.mask, batch.dims),
    });
    const probs = out.probabilities?.data as Float32Array;
    const index = out.label?.data as BigInt64Array;
    return texts.map((_, r) => ({
      tokens: (ids[r] as number[]).length,
      label: labels[Number(index[r])] as string,
      probabilities: Object.fromEntries(labels.map((l, c) => [l, probs[r * labels.length + c] as number])),
    }));
  };
  return servedModel(`local-onnx:${root}`, labels, opened, classify);
}

/**
 * The zero-shot baseline: the frozen base alone, choosing the label whose name
 * (underscores as spaces) has the pooled state most cosine-similar to the text's.
 */
export async function zeroShotModel(
  base: BaseModel,
  labels: readonly string[],
  device: Device = 'auto',
  /** The ref that reproduces this model (its labels come from a prepared folder). */
  id = `local-onnx:zero-shot:${base.dir}`,
): Promise<LocalModel> {
  if (labels.length === 0)
    throw new PolytuneError('USAGE', 'The zero-shot model needs label names.', {
      hint: 'Pass the labels (a prepared dataset folder has them).',
    });
  const opened = await openSession(base.modelBytes, device);
  const pool = async (texts: string[]): Promise<{ vectors: Float32Array[]; lengths: number[] }> => {
    const encoded = texts.map((t) => encodeText(base, t));
    const batch = padBatch(encoded, base.config.padId);
    const out = await opened.session.run({
      [base.config.inputs.ids]: new ort.Tensor('int64', batch.ids, batch.dims),
      [base.config.inputs.mask]: new ort.Tensor('int64', batch.mask, batch.dims),
    });
    const data = out[base.config.output]?.data as Float32Array;
    const dim = base.config.hiddenSize;
    const vectors = texts.map((_, r) => {
      const v = data.slice(r * dim, (r + 1) * dim);
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
    return { vectors, lengths: encoded.map((ids) => ids.length) };
  };
  const labelVectors = (await pool(labels.map((l) => l.replace(/[_-]+/g, ' ')))).vectors;
  const classify = async (texts: string[]) => {
    const { vectors, lengths } = await pool(texts);
    return vectors.map((v, r) => {
      const sims = labelVectors.map((l) => l.reduce((s, x, i) => s + x * (v[i] as number), 0));
      const max = Math.max(...sims);
      // Softmax over similarity × 10: a calibrated-looking spread, argmax unchanged.
      const exps = sims.map((s) => Math.exp(10 * (s - max)));
      const total = exps.reduce((a, b) => a + b, 0);
      const best = sims.indexOf(max);
      return {
        tokens: lengths[r] as number,
        label: labels[best] as string,
        probabilities: Object.fromEntries(labels.map((l, i) => [l, (exps[i] as number) / total])),
      };
    });
  };
  return servedModel(id, labels, opened, classify);
}
