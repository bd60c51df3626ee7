import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../../providers/local-onnx/onnx-graph-builder.js';
import { openSession, ort } from '../../../providers/local-onnx/onnx-session.js';
import {
  buildForwardGraph,
  buildTrainStepGraph,
  type HeadShape,
  headParams,
} from '../../../providers/local-onnx/train-step-graph.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const f64 = (data: Float64Array, dims: number[]) => new ort.Tensor('float64', data, dims);

describe('train-step graph', () => {
  for (const hidden of [0, 6]) {
    it(`has gradients equal to finite differences of its loss (float64, hidden ${hidden})`, async () => {
      const shape: HeadShape = { inputDim: 5, hidden, classes: 4 };
      const rand = rng(7 + hidden);
      const batch = 3;
      const x = Float64Array.from({ length: batch * shape.inputDim }, rand);
      const y = new Float64Array(batch * shape.classes);
      [1, 3, 0].forEach((label, i) => {
        y[i * shape.classes + label] = 1;
      });
      const params = headParams(shape).map((p) => ({
        ...p,
        data: Float64Array.from({ length: p.dims.reduce((a, b) => a * b) }, rand),
      }));
      const step = (
        await openSession(
          encodeModel(buildTrainStepGraph(shape, { dtype: 'float64', exposeGradients: true })),
          'cpu',
        )
      ).session;
      const feeds = (ps: typeof params): Record<string, ort.Tensor> => {
        const out: Record<string, ort.Tensor> = {
          x: f64(x, [batch, shape.inputDim]),
          y: f64(y, [batch, shape.classes]),
          lr: f64(Float64Array.of(0.1), []),
          bc1: f64(Float64Array.of(0.1), []),
          bc2: f64(Float64Array.of(0.001), []),
        };
        for (const p of ps) {
          out[p.name] = f64(p.data, p.dims);
          out[`${p.name}.m`] = f64(new Float64Array(p.data.length), p.dims);
          out[`${p.name}.v`] = f64(new Float64Array(p.data.length), p.dims);
        }
        return out;
      };
      const result = await step.run(feeds(params));
      const lossAt = async (ps: typeof params) => Number((await step.run(feeds(ps))).loss?.data[0]);
      const h = 1e-6;
      for (const p of params) {
        const grad = result[`${p.name}.grad`]?.data as Float64Array;
        for (let i = 0; i < p.data.length; i++) {
          const plus = params.map((q) =>
            q === p ? { ...q, data: Float64Array.from(q.data, (v, j) => (j === i ? v + h : v)) } : q,
          );
          const minus = params.map((q) =>
            q === p ? { ...q, data: Float64Array.from(q.data, (v, j) => (j === i ? v - h : v)) } : q,
          );
          const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
          expect(grad[i]).toBeCloseTo(numeric, 7);
        }
      }
      // AdamW: first step with m = v = 0 moves each weight by lr·(sign(g)·g/(|g|+ε) + wd·p).
      const w = params[0] as (typeof params)[number];
      const next = result[`${w.name}.next`]?.data as Float64Array;
      const gradW = result[`${w.name}.grad`]?.data as Float64Array;
      const g0 = gradW[0] as number;
      const mHat = (0.1 * g0) / 0.1;
      const vHat = (0.001 * g0 * g0) / 0.001;
      expect(next[0]).toBeCloseTo(
        (w.data[0] as number) - 0.1 * (mHat / (Math.sqrt(vHat) + 1e-8) + 0.01 * (w.data[0] as number)),
        10,
      );
    });
  }

  it('forward graph gives the same logits as the train step', async () => {
    const shape: HeadShape = { inputDim: 4, hidden: 3, classes: 2 };
    const rand = rng(3);
    const x = Float32Array.from({ length: 8 }, rand);
    const params = headParams(shape).map((p) => ({
      ...p,
      data: Float32Array.from({ length: p.dims.reduce((a, b) => a * b) }, rand),
    }));
    const fwd = (await openSession(encodeModel(buildForwardGraph(shape)), 'cpu')).session;
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [2, 4]) };
    for (const p of params) feeds[p.name] = new ort.Tensor('float32', p.data, p.dims);
    const logits = (await fwd.run(feeds)).logits?.data as Float32Array;
    // Hand computation of one logit.
    const [w1, b1, w2, b2] = params.map((p) => p.data) as Float32Array[];
    let z = b2?.[0] as number;
    for (let j = 0; j < 3; j++) {
      let a = b1?.[j] as number;
      for (let i = 0; i < 4; i++) a += (x[i] as number) * (w1?.[i * 3 + j] as number);
      z += Math.max(0, a) * (w2?.[j * 2] as number);
    }
    expect(logits[0]).toBeCloseTo(z, 5);
  });
});
