import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../evals/aggregate.js';
import type { CaseResult } from '../../evals/case-result.js';
import {
  ClusterSums,
  clusteredPaired,
  clusteredWilson,
  LatencySketch,
  mcnemar,
  pairedDelta,
  wilson,
} from '../../evals/stats.js';

describe('wilson', () => {
  it('matches the textbook interval for 8/10', () => {
    const i = wilson(8, 10);
    expect(i.low).toBeCloseTo(0.4902, 4);
    expect(i.high).toBeCloseTo(0.9433, 4);
  });
  it('stays inside [0, 1] at the edges', () => {
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(10, 10).low).toBeCloseTo(0.7225, 4);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('mcnemar', () => {
  it('uses the exact binomial test for few discordant pairs', () => {
    // b=10, c=5: p = 2 · P(X ≤ 5 | n=15, ½) = 2 · 4944 / 32768.
    const r = mcnemar(10, 5);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo((2 * 4944) / 32768, 6);
    expect(r.statistic).toBeCloseTo(16 / 15, 6);
  });
  it('uses continuity-corrected χ² for many', () => {
    // b=30, c=10: χ² = (|30−10|−1)² / 40 = 9.025, p ≈ 0.002663.
    const r = mcnemar(30, 10);
    expect(r.method).toBe('chi2');
    expect(r.statistic).toBeCloseTo(9.025, 6);
    expect(r.pValue).toBeCloseTo(0.002663, 5);
  });
  it('gives p = 1 with no discordant pairs', () => {
    expect(mcnemar(0, 0).pValue).toBe(1);
  });
  it('gives statistic 0 and p = 1 when b = c, exact or χ²', () => {
    for (const [b, c] of [
      [3, 3],
      [20, 20],
      [12, 13],
    ] as const) {
      const r = mcnemar(b, c);
      expect(r.statistic).toBe(0);
      expect(r.pValue).toBe(1);
    }
    expect(mcnemar(20, 20).method).toBe('chi2');
  });
});

describe('pairedDelta', () => {
  it('is the difference of pass rates with a paired Wald interval', () => {
    // 100 pairs, model-only passes 15, baseline-only passes 5: Δ = 0.10,
    // Var = (20 − 100/100) / 100² = 0.0019 → half-width 1.96·0.04359 = 0.0854.
    const { delta, interval } = pairedDelta(15, 5, 100);
    expect(delta).toBeCloseTo(0.1, 10);
    expect(interval.low).toBeCloseTo(0.1 - 0.08544, 4);
    expect(interval.high).toBeCloseTo(0.1 + 0.08544, 4);
  });
});

describe('clustered statistics', () => {
  it('reduce to Wilson and the paired Wald interval with one trial per case', () => {
    const sums = new ClusterSums();
    for (let i = 0; i < 10; i++) sums.add(i < 8 ? 1 : 0, 1);
    const w = clusteredWilson(sums);
    expect(w.effectiveN).toBeCloseTo(10, 9);
    expect(w.interval.low).toBeCloseTo(wilson(8, 10).low, 10);
    // 100 pairs: 15 model-only passes (d = 1), 5 baseline-only (d = −1), 80 concordant.
    const paired = new ClusterSums();
    for (let i = 0; i < 100; i++) paired.add(i < 15 ? 1 : i < 20 ? -1 : 0, 1);
    const clustered = clusteredPaired(paired, 15, 5);
    const plain = pairedDelta(15, 5, 100);
    expect(clustered.delta).toBeCloseTo(plain.delta, 12);
    expect(clustered.interval.low).toBeCloseTo(plain.interval.low, 10);
    // Durkalski's χ² with one pair per case is McNemar's uncorrected (b − c)² / (b + c).
    expect(clustered.statistic).toBeCloseTo(100 / 20, 10);
    expect(clustered.method).toBe('clustered');
  });
  it('give statistic 0 and p = 1 when the discordant pairs balance', () => {
    const sums = new ClusterSums();
    sums.add(2, 2);
    sums.add(-2, 2);
    sums.add(0, 2);
    const r = clusteredPaired(sums, 2, 2);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
  });
});

describe('LatencySketch', () => {
  it('reports nearest-rank quantiles within 1%', () => {
    const sketch = new LatencySketch();
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const v of values.slice().reverse()) sketch.add(v);
    for (const [q, exact] of [
      [0.5, 500],
      [0.95, 950],
      [0.99, 990],
    ] as const) {
      expect(Math.abs(sketch.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(sketch.max).toBe(1000);
    expect(sketch.mean).toBeCloseTo(500.5);
  });
});

const result = (
  model: string,
  id: string,
  status: CaseResult['status'],
  extra: Partial<CaseResult> = {},
): CaseResult => ({
  model,
  id,
  repeat: 0,
  category: 'held-out',
  status,
  reason: '',
  input: 'x',
  finishedAt: '',
  ...extra,
});

describe('Aggregator', () => {
  it('counts errors as not passed and sums tokens and cost', () => {
    const agg = new Aggregator(['m']);
    agg.add(result('m', 'a', 'pass', { latencyMs: 10, tokens: { input: 3, output: 1 }, cost: 0.002 }));
    agg.add(result('m', 'b', 'fail', { latencyMs: 20, category: 'edge' }));
    agg.add(result('m', 'c', 'error', { category: 'edge' }));
    const [m] = agg.summary().models;
    expect(m).toMatchObject({ n: 3, passed: 1, failed: 1, errored: 1, tokens: { input: 3, output: 1 } });
    expect(m?.passRate).toBeCloseTo(1 / 3);
    expect(m?.latency.count).toBe(2);
    expect(m?.cost).toEqual({ total: 0.002, per1k: (0.002 / 3) * 1000, priced: true });
    expect(m?.categories.edge).toMatchObject({ n: 2, failed: 1, errored: 1 });
  });
  it('pairs results with the baseline whatever the order they arrive in', () => {
    const agg = new Aggregator(['new', 'base'], 1, 'base');
    const outcomes: [string, boolean, boolean][] = [
      ['a', true, false],
      ['b', true, false],
      ['c', false, true],
      ['d', true, true],
    ];
    for (const [id, n] of outcomes) agg.add(result('new', id, n ? 'pass' : 'fail'));
    for (const [id, , b] of outcomes.slice().reverse()) agg.add(result('base', id, b ? 'pass' : 'fail'));
    const vs = agg.summary().models.find((m) => m.model === 'new')?.vsBaseline;
    expect(vs).toMatchObject({ baseline: 'base', n: 4, b: 2, c: 1, delta: 0.25 });
  });
  it('measures consistency across repeats', () => {
    const agg = new Aggregator(['m'], 2);
    agg.add(result('m', 'a', 'pass'));
    agg.add(result('m', 'a', 'pass', { repeat: 1 }));
    agg.add(result('m', 'b', 'pass'));
    agg.add(result('m', 'b', 'fail', { repeat: 1 }));
    expect(agg.summary().models[0]?.consistency).toEqual({
      cases: 2,
      consistent: 1,
      rate: 0.5,
      flipRate: 0.5,
    });
  });

  // Deterministic outputs: case i passes on every repeat or fails on every repeat, for both models.
  const deterministicRun = (repeats: number) => {
    const agg = new Aggregator(['new', 'base'], repeats, 'base');
    for (let i = 0; i < 60; i++) {
      for (let r = 0; r < repeats; r++) {
        agg.add(
          result('new', `c${i}`, i % 5 === 0 ? 'fail' : 'pass', {
            repeat: r,
            category: i % 2 ? 'edge' : 'held-out',
          }),
        );
        agg.add(
          result('base', `c${i}`, i % 3 === 0 ? 'fail' : 'pass', {
            repeat: r,
            category: i % 2 ? 'edge' : 'held-out',
          }),
        );
      }
    }
    return agg.summary().models.find((m) => m.model === 'new');
  };

  it('gives N repeats of the same deterministic outputs the interval of one run', () => {
    const once = deterministicRun(1);
    for (const repeats of [2, 5]) {
      const many = deterministicRun(repeats);
      expect(many?.n).toBe(60 * repeats);
      expect(many?.passRate).toBeCloseTo(once?.passRate ?? -1, 12);
      expect(many?.interval.low).toBeCloseTo(once?.interval.low ?? -1, 10);
      expect(many?.interval.high).toBeCloseTo(once?.interval.high ?? -1, 10);
      expect(many?.effectiveN).toBeCloseTo(60, 9);
      expect(many?.categories.edge?.interval.low).toBeCloseTo(once?.categories.edge?.interval.low ?? -1, 10);
      expect(many?.vsBaseline?.delta).toBeCloseTo(once?.vsBaseline?.delta ?? -1, 12);
      expect(many?.vsBaseline?.interval.low).toBeCloseTo(once?.vsBaseline?.interval.low ?? -1, 10);
      expect(many?.vsBaseline?.interval.high).toBeCloseTo(once?.vsBaseline?.interval.high ?? -1, 10);
      expect(many?.consistency?.flipRate).toBe(0);
    }
    // The naive count (every trial independent) would have narrowed it by about √5.
    const naive = wilson(48 * 5, 60 * 5);
    expect(deterministicRun(5)?.interval.low).toBeLessThan(naive.low - 0.03);
  });

  it('counts repeats that disagree as extra information, up to cases × repeats', () => {
    // Every case passes exactly one repeat of two: no spread between cases at all.
    const agg = new Aggregator(['m'], 2);
    for (let i = 0; i < 40; i++) {
      agg.add(result('m', `c${i}`, 'pass'));
      agg.add(result('m', `c${i}`, 'fail', { repeat: 1 }));
    }
    const m = agg.summary().models[0];
    expect(m?.effectiveN).toBe(80);
    expect(m?.interval).toEqual(wilson(40, 80));
    expect(m?.consistency?.flipRate).toBe(1);
  });

  it("counts a cancelled run's unfinished repeats as smaller clusters", () => {
    const agg = new Aggregator(['m'], 3);
    agg.add(result('m', 'a', 'pass'));
    agg.add(result('m', 'b', 'fail'));
    const m = agg.summary().models[0];
    expect(m?.n).toBe(2);
    expect(m?.interval).toEqual(wilson(1, 2));
    expect(m?.consistency?.cases).toBe(0);
  });
});
