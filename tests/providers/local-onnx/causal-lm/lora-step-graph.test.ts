import { describe, expect, it } from 'vitest';
import {
  buildLoraStepGraph,
  type TailShape,
  tailParams,
} from '../../../../providers/local-onnx/causal-lm/lora-step-graph.js';
import { encodeModel } from '../../../../providers/local-onnx/onnx-graph-builder.js';
import { openSession, ort } from '../../../../providers/local-onnx/onnx-session.js';
import { seededRandom } from '../../../../src/seeded-random.js';

const random = seededRandom(11);
const randn = (n: number, std = 1) => Float64Array.from({ length: n }, () => (random() * 2 - 1) * std * 1.7);
const f32 = (a: Float64Array) => Float32Array.from(a);

describe.each([false, true])('LoRA tail step (mlp: %s)', (mlp) => {
  const shape: TailShape = { hidden: 6, vocab: 9, intermediate: 10, rank: 3, scale: 2, eps: 1e-5, mlp };
  const weights = {
    lmHead: f32(randn(6 * 9, 0.5)),
    norm: f32(randn(6, 1).map((x) => 1 + x / 4)),
    gate: f32(randn(60, 0.4)),
    up: f32(randn(60, 0.4)),
    down: f32(randn(60, 0.4)),
  };
  const rows = 5;
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float64', randn(rows * 6), [rows, 6]),
    target: new ort.Tensor('int64', BigInt64Array.from([1, 4, 8, 0, 4], BigInt), [rows]),
    weight: new ort.Tensor('float64', Float64Array.of(1, 1, 0, 1, 1), [rows]),
  };
  if (mlp) feeds.h = new ort.Tensor('float64', randn(rows * 6), [rows, 6]);
  const params = Object.fromEntries(
    tailParams(shape).map((p) => [p.name, randn(p.dims[0]! * p.dims[1]!, 0.5)]),
  );

  it('gradients of every LoRA factor match central finite differences (float64)', async () => {
    const step = await openSession(
      encodeModel(buildLoraStepGraph(shape, weights, { dtype: 'float64', exposeGradients: true })),
      'cpu',
    );
    const loss = await openSession(
      encodeModel(buildLoraStepGraph(shape, weights, { dtype: 'float64', evalOnly: true })),
      'cpu',
    );
    const paramFeeds = (values: Record<string, Float64Array>, withState: boolean) => {
      const out: Record<string, ort.Tensor> = {};
      for (const p of tailParams(shape)) {
        out[p.name] = new ort.Tensor('float64', values[p.name] as Float64Array, p.dims);
        if (withState)
          for (const k of ['m', 'v'])
            out[`${p.name}.${k}`] = new ort.Tensor(
              'float64',
              new Float64Array(p.dims[0]! * p.dims[1]!),
              p.dims,
            );
      }
      return out;
    };
    const scalars = { lr: 0, bc1: 1, bc2: 1 };
    const scalarFeeds = Object.fromEntries(
      Object.entries(scalars).map(([k, v]) => [k, new ort.Tensor('float64', Float64Array.of(v), [])]),
    );
    const out = await step.session.run({ ...feeds, ...scalarFeeds, ...paramFeeds(params, true) });
    const lossAt = async (values: Record<string, Float64Array>) =>
      (
        (await loss.session.run({ ...feeds, ...paramFeeds(values, false) })).loss!.data as Float64Array
      )[0] as number;
    const eps = 1e-6;
    for (const p of tailParams(shape)) {
      const grad = out[`${p.name}.grad`]?.data as Float64Array;
      for (const index of [0, 4, grad.length - 1]) {
        const plus = Float64Array.from(params[p.name] as Float64Array);
        const minus = Float64Array.from(params[p.name] as Float64Array);
        plus[index] = (plus[index] as number) + eps;
        minus[index] = (minus[index] as number) - eps;
        const numeric =
          ((await lossAt({ ...params, [p.name]: plus })) - (await lossAt({ ...params, [p.name]: minus }))) /
          (2 * eps);
        expect(grad[index], `${p.name}[${index}]`).toBeCloseTo(numeric, 6);
      }
    }
  });
});
