import type { RunSummary } from '../../evals/aggregate.js';
import { paretoFront } from '../../evals/pareto.js';
import { pValue } from '../../evals/report/escape.js';
import { modelLabel } from '../../evals/report/model-label.js';
import { out } from './output.js';

/**
 * The cross-model table printed by `eval`, `compare` and the demo: pass rate
 * with its 95% interval overall and per category, latency, cost, the paired
 * comparison with the baseline, and which models are Pareto-best on cost
 * against accuracy.
 */
export interface ComparisonOptions {
  /** Training cost per model id (USD), from the job ledger, added to the cost column. */
  trainingCost?: Record<string, number | undefined>;
}

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

export function comparisonRows(summary: RunSummary, options: ComparisonOptions = {}): string[] {
  const categories = [...new Set(summary.models.flatMap((m) => Object.keys(m.categories)))].sort();
  const totalCost = (model: string, inference: number, priced: boolean) => {
    const training = options.trainingCost?.[model];
    return training === undefined && !priced ? undefined : (training ?? 0) + inference;
  };
  const front = paretoFront(
    summary.models.map((m) => ({
      model: m.model,
      accuracy: m.passRate,
      cost: totalCost(m.model, m.cost.total, m.cost.priced),
    })),
  );
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
    const cost = totalCost(m.model, m.cost.total, m.cost.priced);
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

export function printComparison(summary: RunSummary, options: ComparisonOptions = {}): void {
  for (const line of comparisonRows(summary, options)) out.line(line);
  out.line('★ Pareto-best on cost against accuracy (no other model is both cheaper and more accurate).');
}
