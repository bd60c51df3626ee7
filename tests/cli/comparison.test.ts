import { describe, expect, it } from 'vitest';
import type { ModelSummary, RunSummary } from '../../evals/aggregate.js';
import { paretoFront } from '../../evals/pareto.js';
import { modelLabel } from '../../evals/report/model-label.js';
import { comparisonRows } from '../../src/cli/comparison-table.js';

function model(name: string, passRate: number, cost: number | undefined, n = 100): ModelSummary {
  const passed = Math.round(passRate * n);
  const metric = {
    n,
    passed,
    failed: n - passed,
    errored: 0,
    passRate,
    interval: { low: passRate - 0.05, high: passRate + 0.05 },
    meanScore: passRate,
    latency: { count: n, mean: 10, p50: 9, p95: 20, p99: 30, max: 40 },
    tokens: { input: 1000, output: 100 },
    cost: { total: cost ?? 0, per1k: (cost ?? 0) * 10, priced: cost !== undefined },
  };
  return { ...metric, model: name, categories: { 'held-out': metric } };
}

describe('cross-model comparison', () => {
  it('marks the models no other model beats on both cost and accuracy', () => {
    const front = paretoFront([
      { model: 'cheap-weak', accuracy: 0.7, cost: 1 },
      { model: 'dear-strong', accuracy: 0.9, cost: 10 },
      { model: 'dominated', accuracy: 0.65, cost: 5 },
      { model: 'tie-but-dearer', accuracy: 0.9, cost: 12 },
    ]);
    expect([...front].sort()).toEqual(['cheap-weak', 'dear-strong']);
  });

  it('adds training cost from the ledger to the cost column and the Pareto judgement', () => {
    const summary: RunSummary = {
      models: [model('openai:ft:a', 0.92, 0.5), model('local-onnx:b', 0.9, 0)],
      repeats: 1,
    };
    const withoutTraining = comparisonRows(summary);
    expect(withoutTraining[1]).toMatch(/★$/);
    expect(withoutTraining[2]).toMatch(/★$/);
    // Total cost = training + this run's inference.
    const rows = comparisonRows({
      ...summary,
      models: summary.models.map((m) => (m.model === 'openai:ft:a' ? { ...m, trainingCost: 40 } : m)),
    });
    expect(rows[1]).toContain('40.50');
    expect(rows[0]).toContain('held-out %');
  });

  it('shows local paths relative to the working directory', () => {
    expect(modelLabel('local-onnx:/home/me/proj/models/x', '/home/me/proj')).toBe('local-onnx:models/x');
  });
});
