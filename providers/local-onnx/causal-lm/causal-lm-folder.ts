import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { PolytuneError } from '../../../src/errors.js';
import { decodeModel, type ModelProto } from '../onnx-graph-builder.js';

/** Architectures whose exported graph we can serve and adapt, by config.json `model_type`. */
const FAMILIES: Record<string, 'llama' | 'gpt2'> = {
  llama: 'llama',
  qwen2: 'llama',
  mistral: 'llama',
  gpt2: 'gpt2',
};

export interface CausalLmFolder {
  dir: string;
  family: 'llama' | 'gpt2';
  modelType: string;
  modelPath: string;
  model: ModelProto;
  layers: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  hasPositionIds: boolean;
  eosIds: number[];
  padId: number;
  chatTemplate?: string;
  specialTokens: Record<string, string>;
  tokenizer: Tokenizer;
  tokenizerJson: unknown;
  tokenizerConfig: Record<string, unknown>;
  config: Record<string, unknown>;
  generation: Record<string, unknown>;
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

/** True when `dir` holds a Hugging Face config.json (`model_type`), not a classifier base's config. */
export function isCausalLmFolder(dir: string): boolean {
  const file = join(resolve(dir), 'config.json');
  if (!existsSync(file)) return false;
  try {
    return (
      typeof (JSON.parse(readFileSync(file, 'utf8')) as { model_type?: unknown }).model_type === 'string'
    );
  } catch {
    return false;
  }
}

function refuse(root: string, message: string): never {
  throw new PolytuneError('UNSUPPORTED', `${root}: ${message}`, {
    hint: 'The local backend adapts Llama-family (llama, qwen2, mistral) and GPT-2 decoders exported with `optimum-cli export onnx --task text-generation-with-past <model> <dir>`.',
    file: join(root, 'config.json'),
  });
}

function graphNames(model: ModelProto): { inputs: string[]; outputs: string[] } {
  return {
    inputs: (model.graph?.input ?? []).map((i) => i.name ?? ''),
    outputs: (model.graph?.output ?? []).map((o) => o.name ?? ''),
  };
}

/** The dims of a graph input (numbers where fixed, 0 where symbolic). */
function inputDims(model: ModelProto, name: string): number[] {
  const input = model.graph?.input?.find((i) => i.name === name);
  return (input?.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 0));
}

/** Checks the graph's inputs and outputs against the Optimum with-past layout. */
function checkGraph(root: string, model: ModelProto): { layers: number; hasPositionIds: boolean } {
  const { inputs, outputs } = graphNames(model);
  const missing = ['input_ids', 'attention_mask'].filter((n) => !inputs.includes(n));
  if (!outputs.includes('logits')) missing.push('logits (output)');
  const pasts = inputs.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  if (pasts === 0) missing.push('past_key_values.N.key/value (export with --task text-generation-with-past)');
  for (let i = 0; i < pasts; i++) {
    if (!inputs.includes(`past_key_values.${i}.value`)) missing.push(`past_key_values.${i}.value`);
    for (const name of [`present.${i}.key`, `present.${i}.value`])
      if (!outputs.includes(name)) missing.push(name);
  }
  if (missing.length > 0) {
    refuse(
      root,
      `model.onnx is not a decoder with a KV cache: missing ${missing.join(', ')}; found inputs ${inputs.join(', ')} and outputs ${outputs.join(', ')}.`,
    );
  }
  return { layers: pasts, hasPositionIds: inputs.includes('position_ids') };
}

export async function loadCausalLmFolder(dir: string): Promise<CausalLmFolder> {
  const root = resolve(dir);
  const need = ['config.json', 'model.onnx', 'tokenizer.json'];
  const absent = need.filter((f) => !existsSync(join(root, f)));
  if (absent.length > 0) refuse(root, `not an Optimum export: ${absent.join(', ')} missing.`);
  const config = await readJson(join(root, 'config.json'));
  const modelType = String(config.model_type ?? '');
  const family = FAMILIES[modelType];
  if (!family) {
    const architectures = Array.isArray(config.architectures) ? config.architectures.join(', ') : 'none';
    refuse(
      root,
      `model_type "${modelType || 'missing'}" (architectures: ${architectures}) is not supported; supported: ${Object.keys(FAMILIES).join(', ')}.`,
    );
  }
  const modelPath = join(root, 'model.onnx');
  const model = decodeModel(await readFile(modelPath));
  const { layers, hasPositionIds } = checkGraph(root, model);
  const dims = inputDims(model, 'past_key_values.0.key');
  const heads = Number(config.num_attention_heads ?? config.n_head);
  const hidden = Number(config.hidden_size ?? config.n_embd);
  const kvHeads = dims[1] || Number(config.num_key_value_heads ?? heads);
  const headDim = dims[3] || Number(config.head_dim ?? hidden / heads);
  const generation = existsSync(join(root, 'generation_config.json'))
    ? await readJson(join(root, 'generation_config.json'))
    : {};
  const tokenizerConfig = existsSync(join(root, 'tokenizer_config.json'))
    ? await readJson(join(root, 'tokenizer_config.json'))
    : {};
  const specialTokens = existsSync(join(root, 'special_tokens_map.json'))
    ? (Object.fromEntries(
        Object.entries(await readJson(join(root, 'special_tokens_map.json'))).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : String((v as { content?: string }).content ?? ''),
        ]),
      ) as Record<string, string>)
    : {};
  const eos = generation.eos_token_id ?? config.eos_token_id;
  const eosIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]).map(Number);
  const tokenizerJson = JSON.parse(await readFile(join(root, 'tokenizer.json'), 'utf8'));
  return {
    dir: root,
    family,
    modelType,
    modelPath,
    model,
    layers,
    kvHeads,
    headDim,
    vocabSize: Number(config.vocab_size),
    hasPositionIds,
    eosIds,
    padId: Number(generation.pad_token_id ?? config.pad_token_id ?? eosIds[0] ?? 0),
    chatTemplate:
      typeof tokenizerConfig.chat_template === 'string' ? tokenizerConfig.chat_template : undefined,
    specialTokens,
    tokenizer: new Tokenizer(tokenizerJson, tokenizerConfig),
    tokenizerJson,
    tokenizerConfig,
    config,
    generation,
  };
}

/** sha256 of the graph and its external data, for the manifest and the job key. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    if (!existsSync(file)) continue;
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
