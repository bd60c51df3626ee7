import { describe, expect, it } from 'vitest';
import type { ModelSummary, RunSummary } from '../../evals/aggregate.js';
import { paretoFront } from '../../evals/pareto.js';
import { modelLabel } from '../../evals/report/model-label.js';
import { defaultModelName, modelInfos } from '../../evals/report/model-names.js';
import { comparisonRows, comparisonTable } from '../../src/cli/comparison-table.js';
import { parseNamedModel } from '../../src/cli/model-ref.js';

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

  it('fits 100 columns by default with long refs and many categories, names what it left out; --wide keeps all', () => {
    const long =
      'local-onnx:/home/me/project/polytune-demo/.polytune/local-onnx/jobs/172574511e8f67dbc8b742fe8c91e34a/model';
    const wideModel = (id: string, rate: number, cost?: number) => {
      const m = model(id, rate, cost);
      return { ...m, categories: { 'held-out': m, edge: m, adversarial: m, 'format-breaking': m } };
    };
    const summary: RunSummary = {
      models: [
        wideModel(long, 0.9, 0),
        wideModel('local-onnx:zero-shot:/home/me/project/polytune-demo/data', 0.2, 0),
      ],
      repeats: 1,
    };
    const { lines, omitted } = comparisonTable(summary);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^job:172574511e8f /);
    expect(lines[2]).toMatch(/^zero-shot /);
    expect(omitted.length).toBeGreaterThan(0);
    const wide = comparisonTable(summary, { wide: true });
    expect(wide.omitted).toEqual([]);
    expect(wide.lines[1]).toContain(long);
    expect(wide.lines[0]).toContain('format-breaking %');
  });

  it("shows an unpriced model's cost as unknown and keeps it off the Pareto front", () => {
    const rows = comparisonRows({
      models: [model('priced', 0.8, 1), model('unpriced', 0.95, undefined)],
      repeats: 1,
    });
    expect(rows[2]).toContain('unknown');
    expect(rows[2]).not.toMatch(/★$/);
    expect(rows[1]).toMatch(/★$/);
    expect([
      ...paretoFront([
        { model: 'free-unknown', accuracy: 0.99 },
        { model: 'priced', accuracy: 0.5, cost: 3 },
      ]),
    ]).toEqual(['priced']);
  });

  it('names models: --model name=ref, a name from the suite map, or a short default', () => {
    expect(parseNamedModel('tuned=job:3f2a9c')).toEqual({ name: 'tuned', ref: 'job:3f2a9c' });
    expect(parseNamedModel('openai:ft:gpt-4o-mini:acme::abc')).toEqual({
      ref: 'openai:ft:gpt-4o-mini:acme::abc',
    });
    expect(parseNamedModel('base', { base: 'openai:gpt-4o-mini' })).toEqual({
      name: 'base',
      ref: 'openai:gpt-4o-mini',
    });
    expect(parseNamedModel('openai:gpt-4o-mini', { base: 'openai:gpt-4o-mini' })).toEqual({
      name: 'base',
      ref: 'openai:gpt-4o-mini',
    });
    expect(defaultModelName('openai:gpt-4o-mini')).toBe('openai:gpt-4o-mini');
    expect(defaultModelName('local-onnx:/x/.polytune/local-onnx/jobs/172574511e8f67dbc8/model')).toBe(
      'job:172574511e8f',
    );
    expect(
      defaultModelName('openai:ft:gpt-4.1-mini-2025-04-14:acme:banking77:BxYz123').length,
    ).toBeLessThanOrEqual(28);
    expect(
      modelInfos(['a:x', 'b:x'], { 'a:x': { name: 'same' }, 'b:x': { name: 'same' } }).map((m) => m.name),
    ).toEqual(['same', 'same#2']);
  });
});
