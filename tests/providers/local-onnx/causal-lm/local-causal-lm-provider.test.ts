import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEval } from '../../../../evals/runner.js';
import { parseSuite } from '../../../../evals/suite-loader.js';
import { createLocalOnnxProvider } from '../../../../providers/local-onnx/local-onnx-provider.js';
import type { Example } from '../../../../src/dataset/example.js';
import type { PreparedData } from '../../../../src/dataset/prepared-manifest.js';
import { chatExamples, tempDir, tinyChatSet, tinyDecoderDir } from './tiny-chat-set.js';

async function preparedChat(dir: string, train: Example[], validation: Example[]): Promise<PreparedData> {
  await mkdir(dir, { recursive: true });
  const write = (file: string, rows: Example[]) =>
    writeFile(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n'));
  await write('train.jsonl', train);
  await write('validation.jsonl', validation);
  await write('test.jsonl', []);
  const split = (file: string, count: number) => ({ file, count, sha256: file });
  const manifest = {
    version: 1 as const,
    createdBy: 'test',
    kind: 'chat' as const,
    seed: 0,
    split: [0.9, 0.1, 0] as [number, number, number],
    source: { file: 'chat.jsonl', sha256: 'x' },
    counts: { read: 0, kept: 0, dropped: 0 },
    splits: {
      train: split('train.jsonl', train.length),
      validation: split('validation.jsonl', validation.length),
      test: split('test.jsonl', 0),
    },
    compiled: {},
    dropped: [],
    stats: {},
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, manifest } as unknown as PreparedData;
}

describe('local-onnx provider with a causal-LM base', () => {
  it('tunes chat data through submit/get/model; base and tuned model go through the same eval suite', async () => {
    const root = tempDir('local-lm');
    const base = await tinyDecoderDir();
    const examples = chatExamples();
    const data = await preparedChat(join(root, 'data'), examples, examples.slice(0, 4));
    const provider = createLocalOnnxProvider({
      workDir: join(root, 'work'),
      execution: 'in-process',
      device: 'cpu',
    });
    const spec = {
      provider: 'local-onnx',
      baseModel: `local-onnx:${base}`,
      method: 'sft' as const,
      hyperparameters: { loraRank: 8 },
    };
    expect(provider.validate({ kind: 'chat' } as never, spec)).toEqual([]);
    expect(provider.validate({ kind: 'classification' } as never, spec)[0]?.code).toBe(
      'LOCAL_CAUSAL_LM_SFT_ONLY',
    );
    expect(
      provider.validate({ kind: 'chat' } as never, { ...spec, baseModel: 'default' })[0]?.message,
    ).toMatch(/--base-model <an Optimum causal-LM export>/);

    const ref = await provider.submit(spec, data, { key: 'lm1' });
    await provider.settled(ref);
    const done = await provider.get(ref);
    expect(done.state, done.error?.message).toBe('succeeded');
    expect(done.detail).toMatch(/device cpu/);
    expect(done.metrics?.trainExact).toBe(1);
    const events = [];
    for await (const e of provider.events(ref)) events.push(e.message);
    expect(events.some((m) => /CUDA unavailable, training on the CPU/.test(m))).toBe(false); // device: cpu was asked for

    const tuned = await provider.model(ref);
    const zeroShot = await provider.model(`local-onnx:${base}`);
    const cases = tinyChatSet()
      .slice(0, 10)
      .map((qa, i) => ({ id: `q${i}`, input: qa.question, expected: qa.answer }));
    const run = await runEval({
      suite: parseSuite({ name: 'tiny-qa', cases, generation: { maxTokens: 8 } }, root),
      models: [zeroShot, tuned],
      baseline: zeroShot.id,
      out: join(root, 'eval'),
      cache: false,
      reports: false,
    });
    const byModel = Object.fromEntries(run.summary.models.map((m) => [m.model, m]));
    expect(byModel[tuned.id]?.passed).toBeGreaterThanOrEqual(9);
    expect(byModel[zeroShot.id]?.passed).toBe(0);
    await tuned.close?.();
    await zeroShot.close?.();
  });
});
