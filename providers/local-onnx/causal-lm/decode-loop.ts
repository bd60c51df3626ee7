import type { OpenedSession } from '../onnx-session.js';
import { ort } from '../onnx-session.js';
import type { CausalLmFolder } from './causal-lm-folder.js';
import { nextToken, type Sampling } from './next-token.js';

type Past = Record<string, ort.Tensor>;

/** One forward pass of an Optimum-layout decoder over `ids` (batch 1) after `past`. */
export async function decoderStep(
  folder: CausalLmFolder,
  opened: OpenedSession,
  ids: readonly number[],
  past: Past | undefined,
  pastLength: number,
): Promise<{ logits: Float32Array; present: Past }> {
  const n = ids.length;
  const total = pastLength + n;
  const feeds: Past = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
  };
  if (folder.hasPositionIds) {
    feeds.position_ids = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: n }, (_, i) => BigInt(pastLength + i)),
      [1, n],
    );
  }
  for (let i = 0; i < folder.layers; i++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kind}`] =
        past?.[`present.${i}.${kind}`] ??
        new ort.Tensor('float32', new Float32Array(0), [1, folder.kvHeads, 0, folder.headDim]);
    }
  }
  const out = await opened.session.run(feeds);
  const all = out.logits?.data as Float32Array;
  const vocab = all.length / n;
  const present: Past = {};
  for (const [name, tensor] of Object.entries(out)) if (name.startsWith('present.')) present[name] = tensor;
  return { logits: all.slice((n - 1) * vocab, n * vocab), present };
}

export interface DecodeOptions extends Sampling {
  maxNewTokens: number;
  eosIds: readonly number[];
  /** Stops when the decoded text so far ends a stop sequence (the sequence is cut off). */
  stop?: readonly string[];
  decode?: (ids: readonly number[]) => string;
  /** false re-reads the whole sequence each step (the cache check in tests, the bench baseline). */
  useCache?: boolean;
  signal?: AbortSignal;
}

export interface Decoded {
  ids: number[];
  finish: 'eos' | 'stop' | 'length';
}

/** Prefill the prompt, then one token a step with the KV cache. */
export async function decodeLoop(
  folder: CausalLmFolder,
  opened: OpenedSession,
  prompt: readonly number[],
  options: DecodeOptions,
): Promise<Decoded> {
  const useCache = options.useCache ?? true;
  const ids: number[] = [];
  let step = await decoderStep(folder, opened, prompt, undefined, 0);
  while (ids.length < options.maxNewTokens) {
    options.signal?.throwIfAborted();
    const token = nextToken(step.logits, options);
    if (options.eosIds.includes(token)) return { ids, finish: 'eos' };
    ids.push(token);
    if (
      options.stop?.length &&
      options.decode &&
      options.stop.some((s) => options.decode?.(ids).includes(s))
    ) {
      return { ids, finish: 'stop' };
    }
    if (ids.length >= options.maxNewTokens) break;
    step = useCache
      ? await decoderStep(folder, opened, [token], step.present, prompt.length + ids.length - 1)
      : await decoderStep(folder, opened, [...prompt, ...ids], undefined, 0);
  }
  return { ids, finish: 'length' };
}
