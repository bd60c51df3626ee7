import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCausalLmFolder } from '../../../../providers/local-onnx/causal-lm/causal-lm-folder.js';
import { loadCausalLmModel } from '../../../../providers/local-onnx/causal-lm/causal-lm-model.js';
import { fineTuneCausalLm } from '../../../../providers/local-onnx/causal-lm/fine-tune-causal-lm.js';
import { LoraConfigSchema } from '../../../../providers/local-onnx/causal-lm/lora-config.js';
import { readSafetensors } from '../../../../providers/local-onnx/causal-lm/safetensors-file.js';
import { exposeTail, planTail } from '../../../../providers/local-onnx/causal-lm/tail-surgery.js';
import { encodeModel } from '../../../../providers/local-onnx/onnx-graph-builder.js';
import { openSession, ort } from '../../../../providers/local-onnx/onnx-session.js';
import { chatExamples, tempDir, tinyChatSet, tinyDecoderDir } from './tiny-chat-set.js';

async function exactMatch(dir: string): Promise<number> {
  const model = await loadCausalLmModel(dir, { device: 'cpu', maxNewTokens: 8 });
  let hits = 0;
  for (const qa of tinyChatSet()) {
    const out = await model.generate({ input: [{ role: 'user', content: qa.question }] });
    if (out.text === qa.answer) hits++;
  }
  await model.close?.();
  return hits / tinyChatSet().length;
}

const config = (overrides: Record<string, unknown> = {}) =>
  LoraConfigSchema.parse({ device: 'cpu', ...overrides });

describe.each([
  { family: 'gpt2' as const, tied: true },
  { family: 'llama' as const, tied: false },
])('LoRA fine-tune of a tiny $family (tied head: $tied)', ({ family, tied }) => {
  it('the merged model answers the trained questions greedily (≥ 90%); the base does not', async () => {
    const base = await tinyDecoderDir({ family, shape: { tied } });
    const work = tempDir('lora');
    const result = await fineTuneCausalLm({
      baseDir: base,
      train: chatExamples(),
      validation: [],
      config: config(),
      workDir: work,
      outDir: join(work, 'model'),
    });
    expect(result.stoppedBy).toBe('exact-match');
    expect(await exactMatch(base)).toBeLessThan(0.1);
    expect(await exactMatch(join(work, 'model'))).toBeGreaterThanOrEqual(0.9);
    const manifest = JSON.parse(await readFile(join(work, 'model', 'training-manifest.json'), 'utf8'));
    expect(manifest.adapted).toEqual(
      family === 'gpt2' ? ['lm_head'] : ['lm_head', 'model.layers.1.mlp.{gate,up,down}_proj'],
    );
  });
});

describe('LoRA fine-tune of a tiny Llama (LM head + last MLP)', () => {
  it('the merged model answers the trained questions greedily (≥ 90%); the base does not', async () => {
    const base = await tinyDecoderDir();
    const work = tempDir('lora');
    const result = await fineTuneCausalLm({
      baseDir: base,
      train: chatExamples(),
      validation: [],
      config: config({ device: 'auto' }),
      workDir: work,
      outDir: join(work, 'model'),
    });
    expect(result.stoppedBy).toBe('exact-match');
    expect(await exactMatch(base)).toBeLessThan(0.1);
    expect(await exactMatch(join(work, 'model'))).toBeGreaterThanOrEqual(0.9);
    const manifest = JSON.parse(await readFile(join(work, 'model', 'training-manifest.json'), 'utf8'));
    expect(manifest.base.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.data.trainSequences).toBe(40);
    expect(manifest.losses.length).toBe(result.metrics.epochs);
    // No CUDA here: auto falls back to the CPU and says why.
    expect(manifest.device).toBe(result.device);
    if (result.device === 'cpu') expect(manifest.cudaFallback).toMatch(/\w/);
    const adapter = await readSafetensors(join(work, 'model', 'adapter_model.safetensors'));
    expect(adapter.tensors['base_model.model.lm_head.lora_A.weight']?.dims).toEqual([8, 64]);
    expect(adapter.tensors['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight']?.dims).toEqual([
      64, 8,
    ]);
  });

  it('merged logits equal the base prefix followed by the adapted tail computed separately', async () => {
    const base = await tinyDecoderDir();
    const work = tempDir('lora-merge');
    await fineTuneCausalLm({
      baseDir: base,
      train: chatExamples().slice(0, 8),
      validation: [],
      config: config({ epochs: 3, stopOnExactMatch: false }),
      workDir: work,
      outDir: join(work, 'model'),
    });
    const folder = await loadCausalLmFolder(base);
    const plan = planTail(folder, ['lm_head', 'mlp']);
    const { tensors } = await readSafetensors(join(work, 'model', 'adapter_model.safetensors'));
    const ids = [1, 7, 9, 12, 20, 2, 1, 6];
    const feeds = (n: number): Record<string, ort.Tensor> => {
      const f: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor(
          'int64',
          BigInt64Array.from(ids, (_, i) => BigInt(i)),
          [1, n],
        ),
      };
      for (let i = 0; i < 2; i++)
        for (const k of ['key', 'value'])
          f[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 16]);
      return f;
    };
    const prefix = await openSession(encodeModel(exposeTail(folder, plan)), 'cpu');
    const exposed = await prefix.session.run(feeds(ids.length));
    const merged = await openSession(join(work, 'model', 'model.onnx'), 'cpu');
    const logits = (await merged.session.run(feeds(ids.length))).logits?.data as Float32Array;
    const reference = adaptedTail(
      plan,
      tensors,
      exposed[plan.exposed.x]?.data as Float32Array,
      exposed[plan.exposed.h as string]?.data as Float32Array,
      ids.length,
    );
    let maxDiff = 0;
    for (let i = 0; i < logits.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((logits[i] as number) - (reference[i] as number)));
    expect(maxDiff).toBeLessThan(1e-3);
    const baseLogits = (
      await (await openSession(join(base, 'model.onnx'), 'cpu')).session.run(feeds(ids.length))
    ).logits?.data as Float32Array;
    expect(Math.max(...baseLogits.map((v, i) => Math.abs(v - (logits[i] as number))))).toBeGreaterThan(1e-2);
  });

  it('resumes after a crash from the last epoch checkpoint and ends where an uninterrupted run ends', async () => {
    const base = await tinyDecoderDir();
    const train = chatExamples().slice(0, 16);
    const cfg = config({ epochs: 5, stopOnExactMatch: false });
    const clean = tempDir('lora-clean');
    await fineTuneCausalLm({
      baseDir: base,
      train,
      validation: [],
      config: cfg,
      workDir: clean,
      outDir: join(clean, 'model'),
    });
    const crashed = tempDir('lora-crash');
    const crash = {
      onEpoch: (e: { epoch: number }) => {
        if (e.epoch === 2) throw new Error('simulated crash');
      },
    };
    await expect(
      fineTuneCausalLm({
        baseDir: base,
        train,
        validation: [],
        config: cfg,
        workDir: crashed,
        outDir: join(crashed, 'model'),
        hooks: crash,
      }),
    ).rejects.toThrow('simulated crash');
    expect(existsSync(join(crashed, 'model'))).toBe(false);
    const resumed = await fineTuneCausalLm({
      baseDir: base,
      train,
      validation: [],
      config: cfg,
      workDir: crashed,
      outDir: join(crashed, 'model'),
    });
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    const a = await readSafetensors(join(clean, 'model', 'adapter_model.safetensors'));
    const b = await readSafetensors(join(crashed, 'model', 'adapter_model.safetensors'));
    expect(Object.keys(b.tensors)).toEqual(Object.keys(a.tensors));
    for (const [name, t] of Object.entries(a.tensors))
      expect(Array.from(b.tensors[name]?.data ?? []), name).toEqual(Array.from(t.data));
  });
});

/** The adapted tail in plain TypeScript: h + SwiGLU(x) with LoRA, RMSNorm, LM head with LoRA. */
function adaptedTail(
  plan: ReturnType<typeof planTail>,
  adapter: Record<string, { data: Float32Array }>,
  x: Float32Array,
  h: Float32Array,
  rows: number,
): Float32Array {
  const scale = 2; // alpha 16 / rank 8
  const linear = (
    input: Float32Array,
    layer: { weight: Float32Array; dims: [number, number] },
    module: string,
  ) => {
    const [dIn, dOut] = layer.dims;
    const a = adapter[`base_model.model.${module}.lora_A.weight`]?.data as Float32Array; // [r, in]
    const b = adapter[`base_model.model.${module}.lora_B.weight`]?.data as Float32Array; // [out, r]
    const out = new Float32Array(rows * dOut);
    for (let r = 0; r < rows; r++) {
      const xa = Array.from({ length: 8 }, (_, k) => {
        let s = 0;
        for (let i = 0; i < dIn; i++) s += input[r * dIn + i]! * a[k * dIn + i]!;
        return s;
      });
      for (let j = 0; j < dOut; j++) {
        let s = 0;
        for (let i = 0; i < dIn; i++) s += input[r * dIn + i]! * layer.weight[i * dOut + j]!;
        for (let k = 0; k < 8; k++) s += scale * xa[k]! * b[j * 8 + k]!;
        out[r * dOut + j] = s;
      }
    }
    return out;
  };
  const mlp = 'model.layers.1.mlp';
  const gate = linear(x, plan.gate!, `${mlp}.gate_proj`);
  const up = linear(x, plan.up!, `${mlp}.up_proj`);
  const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
  const down = linear(act, plan.down!, `${mlp}.down_proj`);
  const d = plan.hidden;
  const y = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ms = 0;
    for (let i = 0; i < d; i++) ms += (h[r * d + i]! + down[r * d + i]!) ** 2;
    const inv = 1 / Math.sqrt(ms / d + plan.eps);
    for (let i = 0; i < d; i++) y[r * d + i] = (h[r * d + i]! + down[r * d + i]!) * inv * plan.norm![i]!;
  }
  return linear(y, plan.lmHead, 'lm_head');
}
