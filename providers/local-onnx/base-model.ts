import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';
import { packagePath } from '../../src/package-root.js';
import {
  decodeModel,
  encodeModel,
  findInitializer,
  replaceInitializer,
  tensorData,
  tensorProto,
  toFloat16,
} from './onnx-graph-builder.js';
import { addWordsToTokenizerJson, type TokenizerJson } from './word-tokenizer.js';

/** `config.json` of a base model folder. */
export const BaseConfigSchema = z.object({
  name: z.string().default('custom-base'),
  /** @default "model.onnx" */
  model: z.string().default('model.onnx'),
  /** @default "tokenizer.json" */
  tokenizer: z.string().default('tokenizer.json'),
  inputs: z
    .object({ ids: z.string(), mask: z.string() })
    .default({ ids: 'input_ids', mask: 'attention_mask' }),
  /** Graph output holding the pooled hidden state, float32 [batch, hiddenSize]. */
  output: z.string().default('pooled'),
  hiddenSize: z.number().int().positive(),
  /** @default 128 */
  maxLength: z.number().int().positive().default(128),
  padId: z.number().int().nonnegative().default(0),
  /** Present when the base can take new words (the default base's embedding bag). */
  vocabulary: z
    .object({
      embeddingInitializer: z.string(),
      tokenWeightInitializer: z.string(),
      dim: z.number().int().positive(),
      extraWords: z.string().optional(),
      extraVectors: z.string().optional(),
    })
    .optional(),
});
export type BaseConfig = z.infer<typeof BaseConfigSchema>;

export interface BaseModel {
  dir: string;
  config: BaseConfig;
  /** Content hash of graph + tokenizer: keys the feature cache. */
  id: string;
  modelBytes: Uint8Array;
  tokenizerJson: TokenizerJson;
  tokenizer: Tokenizer;
}

// Found from the package root so the built `dist/` finds it as well as the sources do.
export const DEFAULT_BASE_DIR = packagePath('models', 'default-base');

export async function loadBaseModel(dir: string = DEFAULT_BASE_DIR): Promise<BaseModel> {
  const root = resolve(dir);
  const configPath = join(root, 'config.json');
  if (!existsSync(configPath)) {
    throw new PolytuneError('INVALID_INPUT', `Base model folder ${root} has no config.json.`, {
      hint: 'A base model folder holds config.json (hiddenSize, output name), an ONNX graph taking input_ids and attention_mask, and tokenizer.json (Hugging Face format). See README "Local backend".',
    });
  }
  const parsed = BaseConfigSchema.safeParse(JSON.parse(await readFile(configPath, 'utf8')));
  if (!parsed.success) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `Base model config ${configPath} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        hint: 'config.json needs at least "hiddenSize"; see README "Local backend".',
        file: configPath,
      },
    );
  }
  const config = parsed.data;
  const missing = [config.model, config.tokenizer].filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) {
    throw new PolytuneError('INVALID_INPUT', `Base model folder ${root} lacks ${missing.join(' and ')}.`, {
      hint: `Put the ONNX graph at ${config.model} and the Hugging Face tokenizer at ${config.tokenizer}, or name them in config.json.`,
    });
  }
  const modelBytes = new Uint8Array(await readFile(join(root, config.model)));
  const tokenizerJson = JSON.parse(await readFile(join(root, config.tokenizer), 'utf8')) as TokenizerJson;
  return makeBase(root, config, modelBytes, tokenizerJson);
}

function makeBase(
  dir: string,
  config: BaseConfig,
  modelBytes: Uint8Array,
  tokenizerJson: TokenizerJson,
): BaseModel {
  const id = createHash('sha256')
    .update(modelBytes)
    .update(JSON.stringify(tokenizerJson))
    .digest('hex')
    .slice(0, 32);
  return { dir, config, id, modelBytes, tokenizerJson, tokenizer: new Tokenizer(tokenizerJson, {}) };
}

/** The words a text splits into before the vocabulary lookup (normalised, pre-tokenised). */
export function wordsOf(base: BaseModel, text: string): string[] {
  const normalized = base.tokenizer.normalizer ? base.tokenizer.normalizer.normalize(text) : text;
  return base.tokenizer.pre_tokenizer
    ? base.tokenizer.pre_tokenizer.pre_tokenize(normalized)
    : normalized.split(/\s+/);
}

export function encodeText(base: BaseModel, text: string): number[] {
  return base.tokenizer.encode(text, { add_special_tokens: true }).ids.slice(0, base.config.maxLength);
}

/** Pads a batch of id lists into input_ids / attention_mask. */
export function padBatch(
  ids: number[][],
  padId: number,
): { ids: BigInt64Array; mask: BigInt64Array; dims: [number, number] } {
  const length = Math.max(1, ...ids.map((row) => row.length));
  const out = new BigInt64Array(ids.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(ids.length * length);
  ids.forEach((row, r) => {
    row.forEach((id, c) => {
      out[r * length + c] = BigInt(id);
      mask[r * length + c] = 1n;
    });
  });
  return { ids: out, mask, dims: [ids.length, length] };
}

export interface VocabularyExtension {
  base: BaseModel;
  /** Words added with a vector from the extra table. */
  withVector: string[];
  /** Words added with no vector (pooling weight 0): reachable by a word-count part only. */
  withoutVector: string[];
}

/**
 * Adds `words` the tokenizer lacks: a word found in the base's extra table gets
 * its vector; any other gets a zero row with pooling weight 0, so it changes
 * nothing in the pooled state but has its own id. A base with no `vocabulary`
 * section cannot grow and is returned as is.
 */
export async function extendVocabulary(
  base: BaseModel,
  words: readonly string[],
): Promise<VocabularyExtension> {
  const vocabulary = base.config.vocabulary;
  const vocab = base.tokenizerJson.model?.vocab;
  const wanted = [...new Set(words)].filter((w) => vocab && vocab[w] === undefined && w.length <= 100);
  if (!vocabulary || !vocab || wanted.length === 0) return { base, withVector: [], withoutVector: [] };
  const extra = new Map<string, Float32Array>();
  if (vocabulary.extraWords && vocabulary.extraVectors) {
    const list = (await readFile(join(base.dir, vocabulary.extraWords), 'utf8')).split('\n');
    const bytes = await readFile(join(base.dir, vocabulary.extraVectors));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const want = new Set(wanted);
    const row = 4 + vocabulary.dim;
    list.forEach((word, i) => {
      if (!want.has(word) || (i + 1) * row > bytes.length) return;
      const scale = view.getFloat32(i * row, true);
      const vector = new Float32Array(vocabulary.dim);
      for (let d = 0; d < vocabulary.dim; d++) vector[d] = view.getInt8(i * row + 4 + d) * scale;
      extra.set(word, vector);
    });
  }
  const withVector = wanted.filter((w) => extra.has(w));
  const withoutVector = wanted.filter((w) => !extra.has(w));
  const ordered = [...withVector, ...withoutVector];

  const model = decodeModel(base.modelBytes);
  const emb = findInitializer(model, vocabulary.embeddingInitializer);
  const weight = findInitializer(model, vocabulary.tokenWeightInitializer);
  if (!emb || !weight) {
    throw new PolytuneError('INVALID_INPUT', `Base model ${base.dir} names initializers it does not have.`, {
      hint: `config.json "vocabulary" must name the embedding and token-weight initializers of ${base.config.model}.`,
    });
  }
  const oldEmb = tensorData(emb);
  const oldWeight = tensorData(weight);
  const [rows, dim] = oldEmb.dims as [number, number];
  const json = structuredClone(base.tokenizerJson);
  const ids = addWordsToTokenizerJson(json, ordered);
  const newRows = Math.max(rows, ...ids.map((id) => id + 1));
  const table = new Uint16Array(newRows * dim);
  table.set(oldEmb.data as Uint16Array);
  const tokenWeight = new Uint16Array(newRows);
  tokenWeight.set(oldWeight.data as Uint16Array);
  const one = toFloat16([1])[0] as number;
  ordered.forEach((word, i) => {
    const vector = extra.get(word);
    if (!vector) return;
    table.set(toFloat16(vector), (ids[i] as number) * dim);
    tokenWeight[ids[i] as number] = one;
  });
  replaceInitializer(model, tensorProto(vocabulary.embeddingInitializer, 'float16', [newRows, dim], table));
  replaceInitializer(
    model,
    tensorProto(vocabulary.tokenWeightInitializer, 'float16', [newRows], tokenWeight),
  );
  return { base: makeBase(base.dir, base.config, encodeModel(model), json), withVector, withoutVector };
}
