import type { RunSummary } from '../../evals/aggregate.js';
import { comparisonCost, paretoModels } from '../../evals/pareto.js';
import { pValue } from '../../evals/report/escape.js';
import { modelLabel } from '../../evals/report/model-label.js';
import { out } from './output.js';

// The cross-model table printed by `compare` and the demo: pass rate with its
// 95% interval overall and per category, latency, cost (training from the
// ledger plus this run's inference), the paired comparison with the baseline,
// and which models are Pareto-best on cost against accuracy.

const pct = (x: number) => (x * 100).toFixed(1);

const interval = (low: number, high: number) => `[${pct(low)}–${pct(high)}]`;

function pad(cells: string[][]): string[] {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export function comparisonRows(summary: RunSummary): string[] {
  const categories = [...new Set(summary.models.flatMap((m) => Object.keys(m.categories)))].sort();
  const front = paretoModels(summary.models);
  const header = [
    'model',
    'pass rate % [95% CI]',
    ...categories.map((c) => `${c} %`),
    'p50 ms',
    'p95 ms',
    'cost $',
    'vs baseline',
    'pareto',
  ];
  const rows = summary.models.map((m) => {
    const cost = comparisonCost(m);
    const vs = m.vsBaseline
      ? `${m.vsBaseline.delta >= 0 ? '+' : ''}${pct(m.vsBaseline.delta)} pts ${interval(m.vsBaseline.interval.low, m.vsBaseline.interval.high)} ${pValue(m.vsBaseline.pValue)}`
      : m.model === summary.baseline
        ? '(baseline)'
        : '';
    return [
      modelLabel(m.model),
      `${pct(m.passRate)} ${interval(m.interval.low, m.interval.high)}  ${m.passed}/${m.n}`,
      ...categories.map((c) => {
        const cat = m.categories[c];
        return cat ? `${pct(cat.passRate)} ${interval(cat.interval.low, cat.interval.high)}` : '-';
      }),
      m.latency.count ? m.latency.p50.toFixed(m.latency.p50 < 10 ? 2 : 0) : '-',
      m.latency.count ? m.latency.p95.toFixed(m.latency.p95 < 10 ? 2 : 0) : '-',
      cost === undefined ? 'n/a' : cost.toFixed(cost < 1 ? 4 : 2),
      vs,
      front.has(m.model) ? '★' : '',
    ];
  });
  return pad([header, ...rows]);
}

export function printComparison(summary: RunSummary): void {
  for (const line of comparisonRows(summary)) out.line(line);
  out.line('★ Pareto-best on cost against accuracy (no other model is both cheaper and more accurate).');
}
