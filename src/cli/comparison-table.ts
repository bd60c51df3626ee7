import type { ModelSummary, RunSummary } from '../../evals/aggregate.js';
import { comparisonCost, paretoModels } from '../../evals/pareto.js';
import { pValue } from '../../evals/report/escape.js';
import { defaultModelName } from '../../evals/report/model-names.js';
import { out } from './output.js';

// The cross-model table printed by `compare` and the demo: pass rate with its
// 95% interval overall and per category, latency, cost (training from the
// ledger plus this run's inference), the paired comparison with the baseline,
// and which models are Pareto-best on cost against accuracy. It fits 100
// columns by default, leaving out the least telling columns; `wide` keeps all.

export interface ComparisonOptions {
  /** Display name of a model id. @default the short default names */
  nameOf?: (id: string) => string;
  /** Every column, intervals per category, the full model id. @default false */
  wide?: boolean;
  /** @default 100 */
  width?: number;
}

interface Column {
  header: string;
  cells: string[];
  /** Columns with the lowest priority are left out first when the table is too wide. */
  priority: number;
}

const pct = (x: number) => (x * 100).toFixed(1);
const interval = (low: number, high: number) => `[${pct(low)}–${pct(high)}]`;
const latency = (m: ModelSummary, q: 'p50' | 'p95') =>
  m.latency.count ? m.latency[q].toFixed(m.latency[q] < 10 ? 2 : 0) : '-';

function columns(summary: RunSummary, name: (id: string) => string, wide: boolean): Column[] {
  const models = summary.models;
  const categories = [...new Set(models.flatMap((m) => Object.keys(m.categories)))].sort();
  const front = paretoModels(models);
  const col = (header: string, priority: number, cell: (m: ModelSummary) => string): Column => ({
    header,
    priority,
    cells: models.map(cell),
  });
  return [
    col('model', 100, (m) => name(m.model)),
    ...(wide ? [col('id', 0, (m) => m.model)] : []),
    col('pass % [95% CI]', 90, (m) =>
      wide
        ? `${pct(m.passRate)} ${interval(m.interval.low, m.interval.high)}  ${m.passed}/${m.n}`
        : `${pct(m.passRate)} ${interval(m.interval.low, m.interval.high)}`,
    ),
    ...categories.map((c) =>
      col(`${c} %`, 55, (m) => {
        const cat = m.categories[c];
        if (!cat) return '-';
        return wide
          ? `${pct(cat.passRate)} ${interval(cat.interval.low, cat.interval.high)}`
          : pct(cat.passRate);
      }),
    ),
    col('p50 ms', 20, (m) => latency(m, 'p50')),
    col('p95 ms', 50, (m) => latency(m, 'p95')),
    col('cost $', 70, (m) => {
      const cost = comparisonCost(m);
      return cost === undefined ? 'unknown' : cost.toFixed(cost < 1 ? 4 : 2);
    }),
    col('vs baseline', 80, (m) => {
      if (m.vsBaseline) {
        const v = m.vsBaseline;
        const delta = `${v.delta >= 0 ? '+' : ''}${pct(v.delta)} pts`;
        return wide
          ? `${delta} ${interval(v.interval.low, v.interval.high)} ${pValue(v.pValue)} (b=${v.b}, c=${v.c})`
          : `${delta} ${pValue(v.pValue)}`;
      }
      return m.model === summary.baseline ? '(baseline)' : '';
    }),
    col('★', 60, (m) => (front.has(m.model) ? '★' : '')),
  ];
}

function render(cols: Column[]): string[] {
  const widths = cols.map((c) => Math.max(c.header.length, ...c.cells.map((cell) => cell.length)));
  const rows = [
    cols.map((c) => c.header),
    ...cols[0]!.cells.map((_, r) => cols.map((c) => c.cells[r] ?? '')),
  ];
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The table's lines, and the columns left out to fit the width. */
export function comparisonTable(
  summary: RunSummary,
  options: ComparisonOptions = {},
): { lines: string[]; omitted: string[] } {
  const name = options.nameOf ?? defaultModelName;
  const wide = options.wide ?? false;
  const width = options.width ?? 100;
  let cols = columns(summary, name, wide);
  const omitted: string[] = [];
  let lines = render(cols);
  while (!wide && Math.max(...lines.map((l) => l.length)) > width) {
    const lowest = cols.reduce((a, b) => (b.priority < a.priority ? b : a));
    if (lowest.priority >= 90) break; // model and pass rate always stay
    cols = cols.filter((c) => c !== lowest);
    omitted.push(lowest.header);
    lines = render(cols);
  }
  return { lines, omitted };
}

export function comparisonRows(summary: RunSummary, options: ComparisonOptions = {}): string[] {
  return comparisonTable(summary, options).lines;
}

export function printComparison(summary: RunSummary, options: ComparisonOptions = {}): void {
  const { lines, omitted } = comparisonTable(summary, options);
  for (const line of lines) out.line(line);
  out.line('★ Pareto-best on cost against accuracy (no other model is both cheaper and more accurate).');
  if (omitted.length)
    out.line(
      `Left out to fit ${options.width ?? 100} columns: ${omitted.join(', ')}; --wide shows every column.`,
    );
  else if (!options.wide) out.line('--wide adds intervals per category, counts and full model ids.');
}
