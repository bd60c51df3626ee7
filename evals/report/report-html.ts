import type { RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import { escapeHtml, inputText, interval, money, ms, percent, pValue } from './escape.js';
import { modelLabel } from './model-label.js';
import { costAccuracyChart, latencyChart, passRateChart } from './svg-charts.js';

/**
 * report.html: one offline file (inline CSS and SVG, no scripts, no external
 * URLs). Every string that came from a case or a model is HTML-escaped.
 */
export interface HtmlReportInput {
  suiteName: string;
  status: RunStatus;
  createdAt: string;
  summary: RunSummary;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right}.muted{color:#6b7280}.fail{color:#b91c1c}.error{color:#a16207}
pre{white-space:pre-wrap;word-break:break-word;margin:0;max-height:16em;overflow:auto;background:#f9fafb;padding:4px}
details{margin:4px 0}summary{cursor:pointer}`;

export function htmlHead(input: HtmlReportInput): string {
  const { summary } = input;
  const withTraining = summary.models.some((m) => m.trainingCost !== undefined);
  const rows = summary.models
    .map(
      (m) =>
        `<tr><td>${escapeHtml(modelLabel(m.model))}</td><td class="num">${m.n}</td><td>${percent(m.passRate)} ${interval(m.interval)}</td><td class="num">${m.errored}</td><td class="num">${ms(m.latency.p50)} / ${ms(m.latency.p95)} / ${ms(m.latency.p99)}</td><td class="num">${m.tokens.input} / ${m.tokens.output}</td><td class="num">${m.cost.priced ? money(m.cost.per1k) : 'n/a'}</td>${withTraining ? `<td class="num">${m.trainingCost === undefined ? '–' : money(m.trainingCost)}</td>` : ''}<td>${
          m.vsBaseline
            ? `${m.vsBaseline.delta >= 0 ? '+' : ''}${percent(m.vsBaseline.delta)} ${interval(m.vsBaseline.interval)}, McNemar ${pValue(m.vsBaseline.pValue)} (b=${m.vsBaseline.b}, c=${m.vsBaseline.c})`
            : summary.baseline === m.model
              ? 'baseline'
              : '–'
        }</td>${summary.repeats > 1 ? `<td class="num">${percent(m.consistency?.rate ?? 0)}</td>` : ''}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>polytune eval: ${escapeHtml(input.suiteName)}</title><style>${STYLE}</style></head><body>
<h1>polytune eval: ${escapeHtml(input.suiteName)}</h1>
<p class="muted">${escapeHtml(input.createdAt)} · status: ${escapeHtml(input.status)} · pass rates count errors as not passed; intervals are Wilson 95%; latency quantiles within 1%.</p>
<table><thead><tr><th>model</th><th>n</th><th>pass rate [95% CI]</th><th>errors</th><th>latency p50 / p95 / p99</th><th>tokens in / out</th><th>cost per 1k</th>${withTraining ? '<th>training cost</th>' : ''}<th>vs baseline</th>${summary.repeats > 1 ? '<th>consistency</th>' : ''}</tr></thead>
<tbody>${rows}</tbody></table>
<h2>Pass rate by category</h2>${passRateChart(summary)}
<h2>Cost against accuracy</h2>${costAccuracyChart(summary)}
<h2>Latency</h2>${latencyChart(summary)}
`;
}

export function htmlFailuresOpen(count: number, shown: number): string {
  return `<h2>Failures and errors (${count}${count > shown ? `, first ${shown}; all are in results.json` : ''})</h2>\n`;
}

export function htmlCase(result: CaseResult): string {
  const graders = (result.graders ?? [])
    .map((g) => `<li>${g.pass ? '✓' : '✗'} ${escapeHtml(g.type)}: ${escapeHtml(g.reason)}</li>`)
    .join('');
  return `<details><summary><span class="${result.status}">${escapeHtml(result.status)}</span> ${escapeHtml(modelLabel(result.model))} · ${escapeHtml(result.category)} · ${escapeHtml(result.id)}${result.generator ? ` (${escapeHtml(result.generator)})` : ''}: ${escapeHtml(result.reason.slice(0, 200))}</summary>
<table><tr><th>input</th><td><pre>${escapeHtml(inputText(result.input))}</pre></td></tr>
${result.expected !== undefined ? `<tr><th>expected</th><td><pre>${escapeHtml(String(result.expected))}</pre></td></tr>` : ''}
<tr><th>output</th><td><pre>${escapeHtml(result.output ?? '(none)')}</pre></td></tr>
<tr><th>reason</th><td>${escapeHtml(result.reason)}${graders ? `<ul>${graders}</ul>` : ''}</td></tr></table></details>
`;
}

export const HTML_CLOSE = '</body></html>\n';
