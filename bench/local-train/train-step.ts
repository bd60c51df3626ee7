/**
 * Train-step cost: polytune's trainHead loop (batch assembly, feeds, AdamW
 * state round-trip, metrics) against a bare `session.run` loop of the same
 * train-step graph with fixed feeds, in the same run. Banking77-sized head:
 * 200 inputs, 512 hidden, 77 classes, batch 64.
 *
 *   npx tsx bench/local-train/train-step.ts [--device cpu|cuda|auto]
 */

import { trainHead } from '../../providers/local-onnx/head-trainer.js';
import { encodeModel } from '../../providers/local-onnx/onnx-graph-builder.js';
import { type Device, openSession, ort } from '../../providers/local-onnx/onnx-session.js';
import { buildTrainStepGraph, headParams } from '../../providers/local-onnx/train-step-graph.js';
import { seededRandom } from '../../src/seeded-random.js';

const i = process.argv.indexOf('--device');
const device = (i >= 0 ? process.argv[i + 1] : 'cpu') as Device;
const shape = { inputDim: 200, hidden: 512, classes: 77 };
const batch = 64;
const n = 8960;
const rand = seededRandom(1);
const x = {
  data: Float32Array.from({ length: n * shape.inputDim }, () => rand() - 0.5),
  count: n,
  dim: shape.inputDim,
};
const y = Int32Array.from({ length: n }, () => Math.floor(rand() * shape.classes));

// Bare loop: the same graph, constant feeds, outputs discarded.
const opened = await openSession(encodeModel(buildTrainStepGraph(shape)), device);
const feeds: Record<string, ort.Tensor> = {
  x: new ort.Tensor('float32', x.data.subarray(0, batch * shape.inputDim), [batch, shape.inputDim]),
  y: new ort.Tensor('float32', new Float32Array(batch * shape.classes).fill(1 / shape.classes), [
    batch,
    shape.classes,
  ]),
  lr: new ort.Tensor('float32', Float32Array.of(1e-3), []),
  bc1: new ort.Tensor('float32', Float32Array.of(0.1), []),
  bc2: new ort.Tensor('float32', Float32Array.of(0.001), []),
};
for (const p of headParams(shape)) {
  const size = p.dims.reduce((a, b) => a * b, 1);
  for (const suffix of ['', '.m', '.v'])
    feeds[`${p.name}${suffix}`] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: size }, () => (rand() - 0.5) * 0.01),
      p.dims,
    );
}
for (let w = 0; w < 20; w++) await opened.session.run(feeds);
const options = {
  hidden: 512,
  epochs: 1,
  batchSize: batch,
  learningRate: 1e-3,
  weightDecay: 0.01,
  warmupFraction: 0.05,
  patience: 99,
  seed: 0,
  standardize: true,
};
const perEpoch = Math.ceil(n / batch);
// Interleaved rounds, medians: the machine is shared, so both sides see the same noise.
const bareRuns: number[] = [];
const ourRuns: number[] = [];
for (let round = 0; round < 5; round++) {
  let t0 = performance.now();
  for (let s = 0; s < perEpoch; s++) await opened.session.run(feeds);
  bareRuns.push((performance.now() - t0) / perEpoch);
  t0 = performance.now();
  await trainHead(x, y, undefined, shape.classes, { ...options, seed: round }, { device });
  ourRuns.push((performance.now() - t0) / perEpoch);
}
await opened.session.release();
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const bare = median(bareRuns);
const ours = median(ourRuns);
process.stdout.write(
  `device ${opened.device}; 5 interleaved rounds of ${perEpoch} steps (200→512→77, batch 64), medians\n` +
    `bare session.run loop: ${bare.toFixed(3)} ms/step\n` +
    `trainHead epoch:       ${ours.toFixed(3)} ms/step (×${(ours / bare).toFixed(2)} the bare loop; includes batch assembly, AdamW state round-trip, loss/accuracy, standardisation, session creation)\n`,
);
