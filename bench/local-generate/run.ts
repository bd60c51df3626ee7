/**
 * LoRA on a causal LM, locally: in one run,
 *  1. train-step time of polytune's LoRA loop against a bare `session.run` loop of the same
 *     train-step graph (fixed feeds), for the LM-head placement and LM head + last MLP,
 *     printed beside PEFT's figures from issue 13 (PyTorch, 2 threads, batch 8);
 *  2. steps to a greedy exact match of ≥ 90% on the 40-question toy set (LM head, r = 8);
 *  3. generated tokens per second of the Model handle against a bare ORT decode loop.
 * The decoder is the tiny random Llama the tests build (2 layers, d = 64), nothing downloaded.
 *
 *   npx tsx bench/local-generate/run.ts [--device cpu|cuda|auto]
 */
import { join } from 'node:path';
import { loadCausalLmFolder } from '../../providers/local-onnx/causal-lm/causal-lm-folder.js';
import { loadCausalLmModel } from '../../providers/local-onnx/causal-lm/causal-lm-model.js';
import { ChatPrompt } from '../../providers/local-onnx/causal-lm/chat-prompt.js';
import { LoraConfigSchema } from '../../providers/local-onnx/causal-lm/lora-config.js';
import {
  buildLoraStepGraph,
  type TailShape,
  tailParams,
} from '../../providers/local-onnx/causal-lm/lora-step-graph.js';
import { trainLora } from '../../providers/local-onnx/causal-lm/lora-trainer.js';
import { argmax } from '../../providers/local-onnx/causal-lm/next-token.js';
import { cacheTailRows, type TailRows } from '../../providers/local-onnx/causal-lm/tail-activations.js';
import { planTail, type TailTarget } from '../../providers/local-onnx/causal-lm/tail-surgery.js';
import { trainingTokens } from '../../providers/local-onnx/causal-lm/training-tokens.js';
import { encodeModel } from '../../providers/local-onnx/onnx-graph-builder.js';
import { type Device, openSession, ort } from '../../providers/local-onnx/onnx-session.js';
import {
  chatExamples,
  tempDir,
  tinyChatSet,
  tinyDecoderDir,
} from '../../tests/providers/local-onnx/causal-lm/tiny-chat-set.js';

const i = process.argv.indexOf('--device');
const device = (i >= 0 ? process.argv[i + 1] : 'cpu') as Device;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const PEFT_MS_PER_STEP: Record<string, string> = {
  lm_head: '13.5 (LM head, r=8)',
  'lm_head,mlp': '18.9 (every attention + MLP projection; no same-placement figure)',
};

const baseDir = await tinyDecoderDir();
const folder = await loadCausalLmFolder(baseDir);
const prompt = new ChatPrompt(folder);
const sequences = chatExamples().map((e) => trainingTokens(prompt, e, folder.eosIds[0])!);

async function setup(targets: TailTarget[], rank = 8) {
  const plan = planTail(folder, targets);
  const rows = await cacheTailRows(folder, plan, sequences, join(tempDir('bench-prefix'), 'prefix'), device);
  const shape: TailShape = {
    hidden: plan.hidden,
    vocab: plan.vocab,
    intermediate: plan.intermediate,
    rank,
    scale: 2,
    eps: plan.eps,
    mlp: plan.mlp,
  };
  const weights = {
    lmHead: plan.lmHead.weight,
    norm: plan.norm,
    gate: plan.gate?.weight,
    up: plan.up?.weight,
    down: plan.down?.weight,
  };
  return { rows, shape, weights };
}

/** The same graph, one batch of 8 sequences' rows, constant feeds, outputs discarded. */
async function bareStepMs(
  shape: TailShape,
  weights: Parameters<typeof buildLoraStepGraph>[1],
  rows: TailRows[],
  steps: number,
): Promise<number> {
  const opened = await openSession(encodeModel(buildLoraStepGraph(shape, weights)), device);
  const batch = rows.slice(0, 8);
  const count = batch.reduce((n, r) => n + r.count, 0);
  const cat = (pick: (r: TailRows) => Float32Array) => {
    const out = new Float32Array(count * shape.hidden);
    let at = 0;
    for (const r of batch) {
      out.set(pick(r), at);
      at += pick(r).length;
    }
    return out;
  };
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor(
      'float32',
      cat((r) => r.x),
      [count, shape.hidden],
    ),
    target: new ort.Tensor('int64', BigInt64Array.from(batch.flatMap((r) => Array.from(r.target))), [count]),
    weight: new ort.Tensor('float32', new Float32Array(count).fill(1), [count]),
    lr: new ort.Tensor('float32', Float32Array.of(0.01), []),
    bc1: new ort.Tensor('float32', Float32Array.of(0.1), []),
    bc2: new ort.Tensor('float32', Float32Array.of(0.001), []),
  };
  if (shape.mlp)
    feeds.h = new ort.Tensor(
      'float32',
      cat((r) => r.h as Float32Array),
      [count, shape.hidden],
    );
  for (const p of tailParams(shape))
    for (const s of ['', '.m', '.v'])
      feeds[`${p.name}${s}`] = new ort.Tensor(
        'float32',
        new Float32Array(p.dims[0]! * p.dims[1]!).fill(0.01),
        p.dims,
      );
  for (let w = 0; w < 10; w++) await opened.session.run(feeds);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await opened.session.run(feeds);
  const ms = (performance.now() - t0) / steps;
  await opened.session.release();
  return ms;
}

async function ourStepMs(targets: TailTarget[], epochs: number) {
  const { rows, shape, weights } = await setup(targets);
  const config = LoraConfigSchema.parse({ targets, epochs, stopOnExactMatch: false, device });
  const t0 = performance.now();
  const trained = await trainLora({
    shape,
    weights,
    train: rows,
    validation: [],
    config,
    checkpointDir: join(tempDir('bench-ckpt'), 'c'),
  });
  const ours = (performance.now() - t0) / trained.state.step;
  return {
    ours,
    bare: await bareStepMs(shape, weights, rows, trained.state.step),
    steps: trained.state.step,
    device: trained.device,
  };
}

process.stdout.write(
  `tiny Llama: 2 layers, d=64, 4 heads (2 KV), vocab ${folder.vocabSize}; 40 chat examples, batch 8 (5 steps an epoch), r=8, alpha=16\n\n`,
);
process.stdout.write(
  '| placement | polytune LoRA loop ms/step | bare session.run ms/step | ratio | PEFT ms/step (issue 13) |\n|---|---:|---:|---:|---|\n',
);
for (const targets of [['lm_head'], ['lm_head', 'mlp']] as TailTarget[][]) {
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push(await ourStepMs(targets, 40));
  const ours = median(runs.map((r) => r.ours));
  const bare = median(runs.map((r) => r.bare));
  process.stdout.write(
    `| ${targets.join(' + ')} (${runs[0]?.device}) | ${ours.toFixed(3)} | ${bare.toFixed(3)} | ×${(ours / bare).toFixed(2)} | ${PEFT_MS_PER_STEP[targets.join(',')]} |\n`,
  );
}

process.stdout.write(
  '\nsteps until every training answer is the greedy argmax (LM head, r=8; PEFT: 155–1,250 steps at 0.003–0.03):\n',
);
for (const targets of [['lm_head'], ['lm_head', 'mlp']] as TailTarget[][]) {
  const { rows, shape, weights } = await setup(targets);
  const cells = [];
  for (const lr of [0.03, 0.01, 0.003]) {
    const config = LoraConfigSchema.parse({ targets, learningRate: lr, epochs: 500, device });
    const trained = await trainLora({
      shape,
      weights,
      train: rows,
      validation: [],
      config,
      checkpointDir: join(tempDir('bench-ckpt'), 'c'),
    });
    cells.push(
      `lr ${lr}: ${trained.stoppedBy === 'exact-match' ? `${trained.state.step} steps` : `not reached in ${trained.state.step} steps`}`,
    );
  }
  process.stdout.write(`  ${targets.join(' + ')}: ${cells.join('; ')}\n`);
}

// Generation: the Model handle (template, tokenizer, sampling code, text decode) against a bare decode loop.
const model = await loadCausalLmModel(baseDir, { device, maxNewTokens: 64 });
const opened = await openSession(folder.modelPath, device);
const questions = tinyChatSet().map((qa) => [{ role: 'user' as const, content: qa.question }]);
async function bareDecode(ids: number[], tokens: number): Promise<void> {
  let past: Record<string, ort.Tensor> = {};
  let input = ids;
  for (let t = 0; t < tokens; t++) {
    const total = ids.length + t;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(input, BigInt), [1, input.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(input, (_, k) => BigInt(total - input.length + k)),
        [1, input.length],
      ),
    };
    for (let l = 0; l < folder.layers; l++)
      for (const k of ['key', 'value'])
        feeds[`past_key_values.${l}.${k}`] =
          past[`present.${l}.${k}`] ??
          new ort.Tensor('float32', new Float32Array(0), [1, folder.kvHeads, 0, folder.headDim]);
    const out = await opened.session.run(feeds);
    const logits = out.logits!.data as Float32Array;
    input = [argmax(logits.subarray(logits.length - folder.vocabSize))];
    past = out;
  }
}
const ourRates: number[] = [];
const bareRates: number[] = [];
for (let round = 0; round < 3; round++) {
  let tokens = 0;
  const lengths: number[] = [];
  let t0 = performance.now();
  for (const q of questions) {
    const g = await model.generate({ input: q, maxTokens: 64 });
    tokens += g.usage?.outputTokens ?? 0;
    lengths.push(g.usage?.outputTokens ?? 0);
  }
  ourRates.push(tokens / ((performance.now() - t0) / 1000));
  t0 = performance.now();
  for (const [k, q] of questions.entries())
    await bareDecode(prompt.encode(prompt.render(q, true)), Math.max(lengths[k] as number, 1));
  bareRates.push(tokens / ((performance.now() - t0) / 1000));
}
process.stdout.write(
  `\ngreedy generation, 40 prompts, up to 64 new tokens each, KV cache (${model.device}), 3 interleaved rounds, medians:\n` +
    `  bare ORT decode loop: ${median(bareRates).toFixed(0)} tokens/s\n` +
    `  polytune Model.generate: ${median(ourRates).toFixed(0)} tokens/s (×${(median(ourRates) / median(bareRates)).toFixed(2)} the bare loop)\n`,
);
await model.close?.();
