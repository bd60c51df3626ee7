import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeModel } from '../onnx-graph-builder.js';
import { buildTinyDecoder, DEFAULT_LLAMA_SHAPE, type DecoderShape } from './tiny-decoder-graph.js';

/** ChatML, as SmolLM2-Instruct and Qwen2 ship it (whitespace is dropped by the word-level tokenizer). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '[UNK]'] as const;

/** Lower-case words and punctuation marks as the tokenizer's Whitespace pre-tokenizer splits them. */
export function wordsOf(texts: readonly string[]): string[] {
  const words = new Set<string>(['system', 'user', 'assistant']);
  for (const text of texts) for (const w of text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? []) words.add(w);
  return [...words].sort();
}

/**
 * A tokenizer.json the `@huggingface/tokenizers` package loads: a WordPiece model
 * whose vocabulary is whole words (no `##` pieces), so every known word is one token.
 */
export function wordTokenizerJson(words: readonly string[]): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  for (const token of [...SPECIAL, ...words]) if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

export interface TinyDecoderOptions {
  family?: 'llama' | 'gpt2';
  /** Texts whose words make the vocabulary. */
  texts: readonly string[];
  shape?: Partial<Omit<DecoderShape, 'vocabSize'>>;
}

/** Writes a random decoder folder in the Optimum layout; returns its shape. */
export async function writeTinyDecoder(dir: string, options: TinyDecoderOptions): Promise<DecoderShape> {
  const family = options.family ?? 'llama';
  const tokenizer = wordTokenizerJson(wordsOf(options.texts));
  const vocabSize = Object.keys((tokenizer.model as { vocab: object }).vocab).length;
  const shape: DecoderShape = {
    ...DEFAULT_LLAMA_SHAPE,
    ...(family === 'gpt2' ? { kvHeads: DEFAULT_LLAMA_SHAPE.heads, tied: true } : {}),
    ...options.shape,
    family,
    vocabSize,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), encodeModel(buildTinyDecoder(shape)));
  const [eos, bos, imEnd] = [0, 1, 2];
  const config =
    family === 'llama'
      ? {
          model_type: 'llama',
          architectures: ['LlamaForCausalLM'],
          vocab_size: vocabSize,
          hidden_size: shape.hidden,
          intermediate_size: shape.intermediate,
          num_hidden_layers: shape.layers,
          num_attention_heads: shape.heads,
          num_key_value_heads: shape.kvHeads,
          max_position_embeddings: shape.maxPositions,
          rms_norm_eps: shape.eps,
          rope_theta: shape.ropeTheta,
          tie_word_embeddings: shape.tied,
          hidden_act: 'silu',
          bos_token_id: bos,
          eos_token_id: imEnd,
        }
      : {
          model_type: 'gpt2',
          architectures: ['GPT2LMHeadModel'],
          vocab_size: vocabSize,
          n_embd: shape.hidden,
          n_inner: shape.intermediate,
          n_layer: shape.layers,
          n_head: shape.heads,
          n_positions: shape.maxPositions,
          layer_norm_epsilon: shape.eps,
          activation_function: 'gelu_new',
          tie_word_embeddings: true,
          bos_token_id: bos,
          eos_token_id: imEnd,
        };
  const json = (name: string, value: unknown) =>
    writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json('config.json', config);
  await json('generation_config.json', { bos_token_id: bos, eos_token_id: [imEnd, eos], pad_token_id: eos });
  await json('tokenizer.json', tokenizer);
  await json('tokenizer_config.json', {
    chat_template: CHATML_TEMPLATE,
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: '[UNK]',
    model_max_length: shape.maxPositions,
  });
  await json('special_tokens_map.json', {
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: '[UNK]',
  });
  return shape;
}
