import type { RunSummary } from '../aggregate.js';
import { paretoModels } from '../pareto.js';
import { escapeHtml, money, ms, percent } from './escape.js';
import { modelLabel } from './model-label.js';

/** Inline SVG charts for report.html: no scripts, no external resources. */

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
export const colour = (i: number) => COLOURS[i % COLOURS.length] as string;
const f = (x: number) => x.toFixed(1);
const text = (x: number, y: number, body: string, attrs = '') =>
  `<text x="${f(x)}" y="${f(y)}" ${attrs}>${escapeHtml(body)}</text>`;

/** Rough width of a label at font-size 11, so the SVG is wide enough to show it whole. */
const labelWidth = (labels: string[]) => Math.max(0, ...labels.map((l) => l.length)) * 6.6 + 24;

function legend(models: string[], x: number, y: number): string {
  return models
    .map(
      (m, i) =>
        `<rect x="${f(x)}" y="${f(y + i * 16)}" width="10" height="10" fill="${colour(i)}"/>${text(x + 14, y + i * 16 + 9, m, 'font-size="11"')}`,
    )
    .join('');
}

/** Pass rate per category (and overall), one bar per model, Wilson interval whiskers. */
export function passRateChart(summary: RunSummary): string {
  const models = summary.models.map((m) => modelLabel(m.model));
  const categories = ['overall', ...new Set(summary.models.flatMap((m) => Object.keys(m.categories)))];
  const left = 44;
  const top = 16;
  const plotH = 200;
  const groupW = Math.max(60, models.length * 22 + 20);
  const height = top + plotH + 50;
  const y = (v: number) => top + plotH * (1 - v);
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" x2="${f(left + categories.length * groupW)}" y1="${f(y(tick))}" y2="${f(y(tick))}" stroke="#e5e7eb"/>`,
    );
    parts.push(text(left - 6, y(tick) + 4, percent(tick, 0), 'font-size="10" text-anchor="end"'));
  }
  categories.forEach((category, ci) => {
    const gx = left + ci * groupW + 10;
    summary.models.forEach((m, mi) => {
      const metric = category === 'overall' ? m : m.categories[category];
      if (!metric) return;
      const x = gx + mi * 22;
      parts.push(
        `<rect x="${f(x)}" y="${f(y(metric.passRate))}" width="16" height="${f(plotH * metric.passRate)}" fill="${colour(mi)}"><title>${escapeHtml(`${modelLabel(m.model)} · ${category}: ${percent(metric.passRate)} [${percent(metric.interval.low)}, ${percent(metric.interval.high)}] n=${metric.n}`)}</title></rect>`,
        `<line x1="${f(x + 8)}" x2="${f(x + 8)}" y1="${f(y(metric.interval.low))}" y2="${f(y(metric.interval.high))}" stroke="#111" stroke-width="1.5"/>`,
        `<line x1="${f(x + 4)}" x2="${f(x + 12)}" y1="${f(y(metric.interval.low))}" y2="${f(y(metric.interval.low))}" stroke="#111"/>`,
        `<line x1="${f(x + 4)}" x2="${f(x + 12)}" y1="${f(y(metric.interval.high))}" y2="${f(y(metric.interval.high))}" stroke="#111"/>`,
      );
    });
    parts.push(
      text(
        gx + (models.length * 22) / 2 - 3,
        top + plotH + 16,
        category,
        'font-size="11" text-anchor="middle"',
      ),
    );
  });
  parts.push(legend(models, left + categories.length * groupW + 16, top));
  return `<svg role="img" aria-label="Pass rate by category" width="${f(left + categories.length * groupW + 16 + labelWidth(models))}" height="${f(height)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}

/**
 * Cost against pass rate, one point per model with its interval; the
 * Pareto-best models (no other is both cheaper and more accurate) are starred.
 * Cost is inference per 1,000 cases, plus the training cost when a model has one.
 */
export function costAccuracyChart(summary: RunSummary): string {
  const withTraining = summary.models.some((m) => m.trainingCost !== undefined);
  const costOf = (m: RunSummary['models'][number]) => (m.trainingCost ?? 0) + m.cost.per1k;
  const priced = summary.models.filter((m) => m.cost.priced || m.trainingCost !== undefined);
  if (priced.length === 0) return '<p class="muted">No model has a price, so there is no cost chart.</p>';
  const front = paretoModels(priced);
  const left = 60;
  const top = 16;
  const w = 420;
  const h = 220;
  // All free (local models): a nominal $1 axis rather than a scale of rounding noise.
  const maxCost = (Math.max(...priced.map(costOf)) || 1 / 1.15) * 1.15;
  const x = (v: number) => left + (w * v) / maxCost;
  const y = (v: number) => top + h * (1 - v);
  const axis = withTraining
    ? 'training cost + inference per 1,000 cases (USD)'
    : 'cost per 1,000 cases (USD)';
  const parts: string[] = [
    `<line x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}" stroke="#9ca3af"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + h}" stroke="#9ca3af"/>`,
    text(left + w / 2, top + h + 32, axis, 'font-size="11" text-anchor="middle"'),
    text(
      14,
      top + h / 2,
      'pass rate',
      `font-size="11" text-anchor="middle" transform="rotate(-90 14 ${top + h / 2})"`,
    ),
  ];
  for (const tick of [0, 0.5, 1]) {
    parts.push(text(left - 6, y(tick) + 4, percent(tick, 0), 'font-size="10" text-anchor="end"'));
    parts.push(
      text(x(maxCost * tick), top + h + 14, money(maxCost * tick), 'font-size="10" text-anchor="middle"'),
    );
  }
  summary.models.forEach((m, i) => {
    if (!m.cost.priced && m.trainingCost === undefined) return;
    const px = x(costOf(m));
    const star = front.has(m.model) ? '★ ' : '';
    parts.push(
      `<line x1="${f(px)}" x2="${f(px)}" y1="${f(y(m.interval.low))}" y2="${f(y(m.interval.high))}" stroke="${colour(i)}" stroke-width="2"/>`,
      `<circle cx="${f(px)}" cy="${f(y(m.passRate))}" r="5" fill="${colour(i)}"><title>${escapeHtml(`${modelLabel(m.model)}: ${percent(m.passRate)} at ${money(costOf(m))}${front.has(m.model) ? ' (Pareto-best)' : ''}`)}</title></circle>`,
      text(px + 8, y(m.passRate) - 6, `${star}${modelLabel(m.model)}`, 'font-size="11"'),
    );
  });
  parts.push(
    text(
      left,
      top + h + 44,
      '★ Pareto-best: no other model is both cheaper and more accurate',
      'font-size="10"',
    ),
  );
  return `<svg role="img" aria-label="Cost against accuracy" width="${f(left + w + labelWidth(priced.map((m) => `★ ${modelLabel(m.model)}`)))}" height="${top + h + 52}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}

/** p50 / p95 / p99 latency per model, horizontal bars. */
export function latencyChart(summary: RunSummary): string {
  const left = 12;
  const rowH = 18;
  const w = 480;
  const max = Math.max(...summary.models.map((m) => m.latency.p99), 1);
  const parts: string[] = [];
  let yy = 8;
  summary.models.forEach((m, i) => {
    parts.push(text(left, yy + 11, modelLabel(m.model), 'font-size="11"'));
    yy += 16;
    (['p50', 'p95', 'p99'] as const).forEach((q, qi) => {
      const value = m.latency[q];
      parts.push(
        `<rect x="${left}" y="${f(yy + qi * rowH)}" width="${f((w * value) / max)}" height="${rowH - 4}" fill="${colour(i)}" fill-opacity="${1 - qi * 0.3}"/>`,
        text(left + (w * value) / max + 4, yy + qi * rowH + 11, `${q} ${ms(value)}`, 'font-size="10"'),
      );
    });
    yy += rowH * 3 + 12;
  });
  return `<svg role="img" aria-label="Latency" width="${f(Math.max(left + w + 110, labelWidth(summary.models.map((m) => modelLabel(m.model)))))}" height="${f(yy)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}
