import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCausalLmFolder } from '../../../../providers/local-onnx/causal-lm/causal-lm-folder.js';
import { loadCausalLmModel } from '../../../../providers/local-onnx/causal-lm/causal-lm-model.js';
import { ChatPrompt } from '../../../../providers/local-onnx/causal-lm/chat-prompt.js';
import { decodeLoop } from '../../../../providers/local-onnx/causal-lm/decode-loop.js';
import { openSession } from '../../../../providers/local-onnx/onnx-session.js';
import { tinyDecoderDir } from './tiny-chat-set.js';

const question = [{ role: 'user' as const, content: 'what is the colour of the river ?' }];

describe('causal LM folders', () => {
  it.each(['llama', 'gpt2'] as const)(
    'reads a %s export: family, layers, KV shape, EOS, template',
    async (family) => {
      const folder = await loadCausalLmFolder(await tinyDecoderDir({ family }));
      expect(folder.family).toBe(family);
      expect(folder.layers).toBe(2);
      expect(folder.kvHeads).toBe(family === 'llama' ? 2 : 4);
      expect(folder.eosIds).toEqual([2, 0]);
      const text = new ChatPrompt(folder).render(question, true);
      expect(text).toBe(
        '<|im_start|>user\nwhat is the colour of the river ?<|im_end|>\n<|im_start|>assistant\n',
      );
    },
  );

  it('refuses an unsupported architecture, naming what it found', async () => {
    const dir = await tinyDecoderDir();
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ ...config, model_type: 't5', architectures: ['T5ForConditionalGeneration'] }),
    );
    await expect(loadCausalLmFolder(dir)).rejects.toThrow(
      /model_type "t5" \(architectures: T5ForConditionalGeneration\) is not supported/,
    );
  });

  it('refuses a graph exported without the KV cache, naming its inputs', async () => {
    const dir = await tinyDecoderDir();
    const classifier = join(await tinyDecoderDir(), 'model.onnx');
    const { decodeModel, encodeModel } = await import(
      '../../../../providers/local-onnx/onnx-graph-builder.js'
    );
    const model = decodeModel(await readFile(classifier));
    model.graph?.input?.splice(3); // keep input_ids, attention_mask, position_ids only
    await writeFile(join(dir, 'model.onnx'), encodeModel(model));
    await expect(loadCausalLmFolder(dir)).rejects.toThrow(
      /missing past_key_values.*found inputs input_ids, attention_mask, position_ids/,
    );
  });
});

describe('generation', () => {
  it.each(['llama', 'gpt2'] as const)('%s: with the KV cache equals without it (greedy)', async (family) => {
    const folder = await loadCausalLmFolder(
      await tinyDecoderDir({ family, shape: { tied: family === 'gpt2' } }),
    );
    const opened = await openSession(folder.modelPath, 'cpu');
    const prompt = new ChatPrompt(folder);
    const ids = prompt.encode(prompt.render(question, true));
    const options = { maxNewTokens: 12, eosIds: [] };
    const cached = await decodeLoop(folder, opened, ids, options);
    const uncached = await decodeLoop(folder, opened, ids, { ...options, useCache: false });
    expect(cached.ids).toHaveLength(12);
    expect(cached.ids).toEqual(uncached.ids);
  });

  it('serves a folder as a Model: usage, latency, stop sequences, seeded sampling', async () => {
    const model = await loadCausalLmModel(await tinyDecoderDir(), { device: 'cpu' });
    const greedy = await model.generate({ input: question, maxTokens: 6 });
    expect(greedy.usage).toEqual({ inputTokens: 13, outputTokens: expect.any(Number) });
    expect(greedy.latencyMs).toBeGreaterThan(0);
    const sampled = [1, 2].map(() =>
      model.generate({ input: question, maxTokens: 8, temperature: 1, seed: 3 }),
    );
    const [a, b] = await Promise.all(sampled);
    expect(a?.text).toBe(b?.text);
    const second = greedy.text.split(' ')[1];
    if (second) {
      const stopped = await model.generate({ input: question, maxTokens: 6, stop: [second] });
      expect(stopped.text).toBe(greedy.text.slice(0, greedy.text.indexOf(second)));
      expect(stopped.usage?.outputTokens).toBeLessThan(6);
    }
    await model.close?.();
  });

  it('sends a string as a user message through the template, or raw for a model tuned on completions', async () => {
    const dir = await tinyDecoderDir();
    const chat = await loadCausalLmModel(dir, { device: 'cpu' });
    expect((await chat.generate({ input: 'the river', maxTokens: 1 })).usage?.inputTokens).toBe(7); // <|im_start|> user the river <|im_end|> <|im_start|> assistant
    await writeFile(join(dir, 'training-manifest.json'), JSON.stringify({ data: { kind: 'completion' } }));
    const completion = await loadCausalLmModel(dir, { device: 'cpu' });
    expect((await completion.generate({ input: 'the river', maxTokens: 1 })).usage?.inputTokens).toBe(2);
  });
});
