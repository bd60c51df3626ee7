import { describe, expect, it } from 'vitest';
import type { ModelSummary, RunSummary } from '../../evals/aggregate.js';
import { evaluateGate, parseThreshold } from '../../evals/gate.js';

const metric = (passed: number, n: number, low: number, high: number) => ({
  n,
  passed,
  failed: n - passed,
  errored: 0,
  passRate: passed / n,
  interval: { low, high },
  meanScore: passed / n,
  latency: { count: n, mean: 500, p50: 450, p95: 900, p99: 1200, max: 1300 },
  tokens: { input: 10, output: 10 },
  cost: { total: 0.1, per1k: 1.5, priced: true },
});
const model = (name: string, over: Partial<ModelSummary> = {}): ModelSummary => ({
  model: name,
  ...metric(92, 100, 0.85, 0.96),
  categories: { adversarial: metric(7, 10, 0.4, 0.89), 'held-out': metric(85, 90, 0.87, 0.97) },
  ...over,
});
const summary: RunSummary = {
  models: [
    model('new', {
      vsBaseline: {
        baseline: 'base',
        n: 100,
        b: 5,
        c: 3,
        delta: 0.02,
        interval: { low: -0.03, high: 0.07 },
        statistic: 0.125,
        pValue: 0.73,
        method: 'exact',
      },
    }),
    model('base'),
  ],
  baseline: 'base',
  repeats: 1,
};

describe('gate', () => {
  it('parses thresholds and rejects bad ones with the accepted form', () => {
    expect(parseThreshold('categories.adversarial.passRate >= 80%')).toEqual({
      text: 'categories.adversarial.passRate >= 80%',
      path: ['categories', 'adversarial', 'passRate'],
      op: '>=',
      value: 0.8,
    });
    expect(() => parseThreshold('passRate is high')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('<metric> <op> <number>') }),
    );
  });

  it('checks each threshold on each candidate model (not the baseline) with the measured value', () => {
    const result = evaluateGate(summary, [
      'passRate >= 0.9',
      'latency.p95 <= 800',
      'cost.per1k <= 2',
      'vsBaseline.delta >= -0.01',
    ]);
    expect(result.pass).toBe(false);
    const p95 = result.lines.filter((l) => l.threshold === 'latency.p95 <= 800');
    expect(p95.map((l) => [l.model, l.pass, l.measured])).toEqual([['new', false, 900]]);
    // The baseline is the reference, not a candidate: it is gated only when asked for by name.
    expect(result.lines.every((l) => l.model === 'new')).toBe(true);
    const both = evaluateGate(summary, ['latency.p95 <= 800'], { models: ['new', 'base'] });
    expect(both.lines.map((l) => l.model)).toEqual(['new', 'base']);
    expect(result.lines.find((l) => l.threshold === 'passRate >= 0.9')).toMatchObject({
      pass: true,
      measured: 0.92,
      interval: { low: 0.85, high: 0.96 },
    });
  });

  it('can gate on the interval bound instead of the point estimate', () => {
    expect(evaluateGate(summary, ['passRate >= 0.9']).pass).toBe(true);
    const strict = evaluateGate(summary, ['passRate >= 0.9'], { useInterval: true });
    expect(strict.pass).toBe(false);
    expect(strict.lines[0]).toMatchObject({ compared: 0.85, measured: 0.92 });
    expect(strict.lines[0]?.reason).toBe('lower bound 0.85 does not meet >= 0.9');
  });

  it('offers both rules, point by default, and says which it applied', () => {
    const point = evaluateGate(summary, ['passRate >= 0.9', 'vsBaseline.delta >= 0']);
    expect(point.rule).toBe('point');
    expect(point.pass).toBe(true);
    const bound = evaluateGate(summary, ['passRate >= 0.9', 'vsBaseline.delta >= 0', 'latency.p95 <= 900'], {
      rule: 'bound',
    });
    expect(bound.rule).toBe('bound');
    expect(bound.lines.map((l) => [l.threshold, l.pass, l.compared])).toEqual([
      ['passRate >= 0.9', false, 0.85],
      ['vsBaseline.delta >= 0', false, -0.03],
      // No interval: compared as measured under either rule.
      ['latency.p95 <= 900', true, 900],
    ]);
    expect(evaluateGate(summary, ['passRate >= 0.9'], { useInterval: true }).rule).toBe('bound');
    expect(() => evaluateGate(summary, ['passRate >= 0.9'], { rule: 'lenient' as never })).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });

  it('gates on consistency.flipRate and judge cost', () => {
    const withRepeats: RunSummary = {
      ...summary,
      repeats: 3,
      models: [
        model('new', {
          consistency: { cases: 100, consistent: 97, rate: 0.97, flipRate: 0.03 },
          judge: { calls: 100, tokens: { input: 1000, output: 100 }, cost: 0.25, priced: true },
        }),
      ],
      baseline: undefined,
    };
    const r = evaluateGate(withRepeats, ['consistency.flipRate <= 0.02', 'judge.cost <= 1']);
    expect(r.lines.map((l) => [l.threshold, l.pass, l.measured])).toEqual([
      ['consistency.flipRate <= 0.02', false, 0.03],
      ['judge.cost <= 1', true, 0.25],
    ]);
  });

  it('fails, with a reason, on a metric the run does not have', () => {
    const r = evaluateGate(summary, ['categories.edge.passRate >= 0.5'], { models: ['new'] });
    expect(r.pass).toBe(false);
    expect(r.lines[0]?.reason).toContain('no category "edge"');
  });
});
