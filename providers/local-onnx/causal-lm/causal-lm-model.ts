import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerateRequest, Generation, Model } from '../../../src/provider.js';
import { seededRandom } from '../../../src/seeded-random.js';
import { LOCAL_PRICE } from '../local-model.js';
import { type Device, openSession, type ResolvedDevice } from '../onnx-session.js';
import { type CausalLmFolder, loadCausalLmFolder } from './causal-lm-folder.js';
import { ChatPrompt } from './chat-prompt.js';
import { decodeLoop } from './decode-loop.js';

export interface CausalLmModelOptions {
  device?: Device;
  /** Used when a request sets no maxTokens. @default generation_config max_new_tokens, else 256 */
  maxNewTokens?: number;
  /** Top-k for sampled requests (the Model request has no top-k). */
  topK?: number;
  /** false disables the KV cache (tests and the bench baseline). @default true */
  useCache?: boolean;
  /**
   * Send string inputs as they are instead of as a user message through the chat template.
   * @default true for a model fine-tuned on completion data (its training-manifest.json says so), else false
   */
  rawPrompts?: boolean;
}

async function trainedOnCompletions(dir: string): Promise<boolean> {
  const file = join(dir, 'training-manifest.json');
  if (!existsSync(file)) return false;
  return (
    (JSON.parse(await readFile(file, 'utf8')) as { data?: { kind?: string } }).data?.kind === 'completion'
  );
}

export interface CausalLmModel extends Model {
  device: ResolvedDevice;
  folder: CausalLmFolder;
}

/** A Model over an Optimum-layout decoder folder, base or merged: chat template, KV cache, greedy by default. */
export async function loadCausalLmModel(
  dir: string,
  options: CausalLmModelOptions = {},
): Promise<CausalLmModel> {
  const folder = await loadCausalLmFolder(dir);
  const opened = await openSession(folder.modelPath, options.device ?? 'auto');
  const prompt = new ChatPrompt(folder);
  const rawPrompts = options.rawPrompts ?? (await trainedOnCompletions(folder.dir));
  const generationConfig = folder.generation as { max_new_tokens?: number };
  const defaultMax = options.maxNewTokens ?? generationConfig.max_new_tokens ?? 256;
  return {
    id: `local-onnx:${folder.dir}`,
    provider: 'local-onnx',
    device: opened.device,
    folder,
    price: LOCAL_PRICE,
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const started = performance.now();
      const ids = prompt.encode(prompt.prompt(request.input, rawPrompts));
      const decoded = await decodeLoop(folder, opened, ids, {
        maxNewTokens: request.maxTokens ?? defaultMax,
        eosIds: folder.eosIds,
        temperature: request.temperature,
        topP: request.topP,
        topK: options.topK,
        random: seededRandom(request.seed ?? 0),
        stop: request.stop,
        decode: (t) => prompt.decode(t),
        useCache: options.useCache,
        signal,
      });
      let text = prompt.decode(decoded.ids);
      for (const stop of request.stop ?? []) {
        const at = text.indexOf(stop);
        if (at >= 0) text = text.slice(0, at);
      }
      return {
        text,
        usage: { inputTokens: ids.length, outputTokens: decoded.ids.length },
        latencyMs: performance.now() - started,
      };
    },
    close: () => opened.session.release(),
  };
}
