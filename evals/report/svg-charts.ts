import type { RunSummary } from '../aggregate.js';
import { paretoModels } from '../pareto.js';
import { escapeHtml, money, ms, percent } from './escape.js';
import { defaultModelName } from './model-names.js';

/**
 * Inline SVG charts for report.html: no scripts, no external resources.
 * Models appear by display name, cut to fit; the full name and id are on hover.
 */
export type NameOf = (id: string) => string;

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];
export const colour = (i: number) => COLOURS[i % COLOURS.length] as string;
const f = (x: number) => x.toFixed(1);
const text = (x: number, y: number, body: string, attrs = '') =>
  `<text x="${f(x)}" y="${f(y)}" ${attrs}>${escapeHtml(body)}</text>`;

const MAX_LABEL = 24;
/** A name cut to fit a chart. */
const short = (name: string) => (name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name);
/** Rough width of a label at font-size 11, so the SVG is wide enough to show it whole. */
const labelWidth = (labels: string[]) => Math.max(0, ...labels.map((l) => short(l).length)) * 6.6 + 24;
/** A model's label: cut to fit, the full name and id in a tooltip. */
const modelText = (x: number, y: number, name: string, id: string, attrs = 'font-size="11"') =>
  `<text x="${f(x)}" y="${f(y)}" ${attrs}><title>${escapeHtml(name === id ? id : `${name} = ${id}`)}</title>${escapeHtml(short(name))}</text>`;

function legend(ids: string[], nameOf: NameOf, x: number, y: number): string {
  return ids
    .map(
      (id, i) =>
        `<rect x="${f(x)}" y="${f(y + i * 16)}" width="10" height="10" fill="${colour(i)}"/>${modelText(x + 14, y + i * 16 + 9, nameOf(id), id)}`,
    )
    .join('');
}

/** Pass rate per category (and overall), one bar per model, Wilson interval whiskers. */
export function passRateChart(summary: RunSummary, nameOf: NameOf = defaultModelName): string {
  const models = summary.models.map((m) => nameOf(m.model));
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
        `<rect x="${f(x)}" y="${f(y(metric.passRate))}" width="16" height="${f(plotH * metric.passRate)}" fill="${colour(mi)}"><title>${escapeHtml(`${nameOf(m.model)} · ${category}: ${percent(metric.passRate)} [${percent(metric.interval.low)}, ${percent(metric.interval.high)}] n=${metric.n}`)}</title></rect>`,
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
  parts.push(
    legend(
      summary.models.map((m) => m.model),
      nameOf,
      left + categories.length * groupW + 16,
      top,
    ),
  );
  return `<svg role="img" aria-label="Pass rate by category" width="${f(left + categories.length * groupW + 16 + labelWidth(models))}" height="${f(height)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}

/**
 * Cost against pass rate, one point per model with its interval; the
 * Pareto-best models (no other is both cheaper and more accurate) are starred.
 * Cost is inference per 1,000 cases, plus the training cost when a model has one.
 */
export function costAccuracyChart(summary: RunSummary, nameOf: NameOf = defaultModelName): string {
  const withTraining = summary.models.some((m) => m.trainingCost !== undefined);
  const costOf = (m: RunSummary['models'][number]) => (m.trainingCost ?? 0) + m.cost.per1k;
  const priced = summary.models.filter((m) => m.cost.priced || m.trainingCost !== undefined);
  // An unpriced model's cost is unknown, not $0: it stays off the cost axis and is named below the chart.
  const unpriced = summary.models.filter((m) => !priced.includes(m)).map((m) => nameOf(m.model));
  const note = unpriced.length
    ? `<p class="muted">Cost unknown (no price), so not on the chart: ${escapeHtml(unpriced.join(', '))}.</p>`
    : '';
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
      `<circle cx="${f(px)}" cy="${f(y(m.passRate))}" r="5" fill="${colour(i)}"><title>${escapeHtml(`${nameOf(m.model)} = ${m.model}: ${percent(m.passRate)} at ${money(costOf(m))}${front.has(m.model) ? ' (Pareto-best)' : ''}`)}</title></circle>`,
      modelText(px + 8, y(m.passRate) - 6, `${star}${nameOf(m.model)}`, m.model),
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
  return `<svg role="img" aria-label="Cost against accuracy" width="${f(left + w + labelWidth(priced.map((m) => `★ ${nameOf(m.model)}`)))}" height="${top + h + 52}" font-family="system-ui, sans-serif">${parts.join('')}</svg>${note}`;
}

/** p50 / p95 / p99 latency per model, horizontal bars. */
export function latencyChart(summary: RunSummary, nameOf: NameOf = defaultModelName): string {
  const left = 12;
  const rowH = 18;
  const w = 480;
  const max = Math.max(...summary.models.map((m) => m.latency.p99), 1);
  const parts: string[] = [];
  let yy = 8;
  summary.models.forEach((m, i) => {
    parts.push(modelText(left, yy + 11, nameOf(m.model), m.model));
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
  return `<svg role="img" aria-label="Latency" width="${f(Math.max(left + w + 110, labelWidth(summary.models.map((m) => nameOf(m.model)))))}" height="${f(yy)}" font-family="system-ui, sans-serif">${parts.join('')}</svg>`;
}
