import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';
import type { RunSummary } from '../aggregate.js';
import type { RunStatus } from '../eval-events.js';
import { escapeHtml, interval, money, ms, percent, pValue } from './escape.js';
import { type ModelInfo, nameOf } from './model-names.js';
import type { Provenance } from './provenance.js';
import { embeddedJson, type ReportData } from './report-data.js';
import { costAccuracyChart, latencyChart, passRateChart } from './svg-charts.js';

/**
 * report.html: one offline file. The overview and charts are static HTML and
 * SVG; the baseline comparison, the case matrix and the label views are drawn
 * by one inline script (evals/report/app/report-app.js) from the data embedded
 * as escaped JSON. A Content-Security-Policy allows that script alone (by hash)
 * and no network, so hostile text in cases or outputs stays text.
 */
export interface HtmlReportInput {
  suiteName: string;
  status: RunStatus;
  createdAt: string;
  summary: RunSummary;
  models: ModelInfo[];
  provenance?: Provenance;
  data: ReportData;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right}.muted{color:#6b7280}.fail{color:#b91c1c}.error{color:#a16207}.pass{color:#15803d}
pre{white-space:pre-wrap;word-break:break-word;margin:0;max-height:10em;overflow:auto;background:#f9fafb;padding:2px 4px;font-size:12px}
nav a{margin-right:12px}section{margin-top:28px}.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:end;margin:8px 0}
.filters label{display:flex;flex-direction:column;font-size:12px;color:#374151}select,input{font:inherit;font-size:13px}
table.cases{table-layout:fixed;width:100%}table.cases th:nth-child(1){width:11%}table.cases th:nth-child(2){width:24%}table.cases th:nth-child(3){width:12%}table.cases td{overflow-wrap:anywhere}th.sortable{cursor:pointer;user-select:none}
.tag{display:inline-block;font-size:11px;padding:0 5px;border-radius:3px;background:#e5e7eb;margin-left:4px}
.tag.regression{background:#fee2e2;color:#991b1b}.tag.fix{background:#dcfce7;color:#166534}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}button{font:inherit;font-size:13px;cursor:pointer}
.vs{display:flex;flex-wrap:wrap;gap:24px}.vs>div{flex:1 1 320px;min-width:0}.big{font-size:20px;font-weight:600}
.scroll{max-height:28em;overflow:auto}table.list{table-layout:fixed;width:100%}table.list td{overflow-wrap:anywhere}table.confusions th:nth-child(3){width:4em}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
let app: { script: string; csp: string } | undefined;

/** The page script (read once) and the policy that lets only it and our style run, and fetches nothing. */
function appScript(): { script: string; csp: string } {
  if (!app) {
    const script = readFileSync(packagePath('evals', 'report', 'app', 'report-app.js'), 'utf8');
    app = {
      script,
      csp: `default-src 'none'; script-src 'sha256-${sha256(script)}'; style-src 'sha256-${sha256(STYLE)}'; img-src data:; base-uri 'none'; form-action 'none'`,
    };
  }
  return app;
}

function overviewRows(summary: RunSummary, name: (id: string) => string): string {
  const withTraining = summary.models.some((m) => m.trainingCost !== undefined);
  const rows = summary.models.map((m) => {
    const vs = m.vsBaseline
      ? `${m.vsBaseline.delta >= 0 ? '+' : ''}${percent(m.vsBaseline.delta)} ${interval(m.vsBaseline.interval)}, McNemar ${pValue(m.vsBaseline.pValue)} (b=${m.vsBaseline.b}, c=${m.vsBaseline.c})`
      : summary.baseline === m.model
        ? 'baseline'
        : '–';
    return `<tr><td title="${escapeHtml(m.model)}">${escapeHtml(name(m.model))}</td><td class="num">${m.n}</td><td>${percent(m.passRate)} ${interval(m.interval)}</td><td class="num">${m.errored}</td><td class="num">${ms(m.latency.p50)} / ${ms(m.latency.p95)} / ${ms(m.latency.p99)}</td><td class="num">${m.tokens.input} / ${m.tokens.output}</td><td class="num">${m.cost.priced ? money(m.cost.per1k) : 'unknown'}</td>${withTraining ? `<td class="num">${m.trainingCost === undefined ? '–' : money(m.trainingCost)}</td>` : ''}<td>${vs}</td>${summary.repeats > 1 ? `<td class="num">${percent(m.consistency?.rate ?? 0)}</td>` : ''}</tr>`;
  });
  return `<table><thead><tr><th>model</th><th>n</th><th>pass rate [95% CI]</th><th>errors</th><th>latency p50 / p95 / p99</th><th>tokens in / out</th><th>cost per 1k</th>${withTraining ? '<th>training cost</th>' : ''}<th>vs baseline</th>${summary.repeats > 1 ? '<th>consistency</th>' : ''}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function provenanceTable(input: HtmlReportInput): string {
  const p = input.provenance;
  const facts: [string, string][] = [
    ['suite', input.suiteName],
    ...(p
      ? ([
          ['suite hash', p.suiteHash],
          ['seeds', p.seeds.length ? p.seeds.join(', ') : '–'],
          ['polytune', p.polytuneVersion],
          ['git commit', p.gitCommit ?? 'unknown'],
        ] as [string, string][])
      : []),
    ['date', input.createdAt],
    ['status', input.status],
  ];
  const models = input.models
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.name)}</td><td>${escapeHtml(m.id)}</td><td>${escapeHtml(m.ref ?? '–')}</td><td>${escapeHtml(m.job ?? '–')}</td></tr>`,
    )
    .join('');
  return `<table><tbody>${facts.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
<table><thead><tr><th>model</th><th>id</th><th>ref</th><th>training job</th></tr></thead><tbody>${models}</tbody></table>`;
}

export function renderReportHtml(input: HtmlReportInput): string {
  const { summary } = input;
  const name = nameOf(input.models);
  const { script, csp } = appScript();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>polytune eval: ${escapeHtml(input.suiteName)}</title><style>${STYLE}</style></head><body>
<h1>polytune eval: ${escapeHtml(input.suiteName)}</h1>
<nav><a href="#overview">overview</a><a href="#vs-baseline">vs baseline</a><a href="#cases">cases</a><a href="#labels">labels</a><a href="#provenance">provenance</a></nav>
<section id="overview"><p class="muted">${escapeHtml(input.createdAt)} · status: ${escapeHtml(input.status)} · pass rates count errors as not passed; intervals are Wilson 95%; latency quantiles within 1%; hover a model for its full id.</p>
${overviewRows(summary, name)}
<h2>Pass rate by category</h2>${passRateChart(summary, name)}
<h2>Cost against accuracy</h2>${costAccuracyChart(summary, name)}
<h2>Latency</h2>${latencyChart(summary, name)}</section>
<section id="vs-baseline"></section>
<section id="cases"><h2>Cases</h2><noscript><p>The case table needs JavaScript; every case is in results.json.</p></noscript></section>
<section id="labels"></section>
<section id="provenance"><h2>Provenance</h2>${provenanceTable(input)}</section>
<script type="application/json" id="report-data">${embeddedJson(input.data)}</script>
<script id="report-app">${script}</script>
</body></html>
`;
}
