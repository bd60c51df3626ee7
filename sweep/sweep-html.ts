import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatUsd as usd } from '../src/cost/money.js';
import { redactValue } from '../src/redact.js';
import type { SweepReport, TrialResult } from './sweep-report.js';

/** Text for HTML: model outputs and provider messages must never become markup. */
function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `epochs=3 hidden=64`: the trial's hyperparameters, then its provider options. */
export function hyperparameterText(trial: Pick<TrialResult, 'hyperparameters' | 'extra'>): string {
  const parts = Object.entries(trial.hyperparameters).map(([k, v]) => `${k}=${v}`);
  for (const [k, v] of Object.entries(trial.extra ?? {})) parts.push(`${k}=${JSON.stringify(v)}`);
  return parts.join(' ');
}

function leaderboard(report: SweepReport): string {
  const rows = [...report.trials]
    .sort((a, b) => (b.validation?.value ?? -1) - (a.validation?.value ?? -1))
    .map((t) => {
      const v = t.validation;
      const metric = v
        ? `${pct(v.value)}${v.interval ? ` [${pct(v.interval.low)}, ${pct(v.interval.high)}]` : ''}`
        : '';
      const cost = t.cost
        ? `${usd(t.cost.amount)}${t.cost.actual ? '' : ' (est.)'}`
        : t.estimate
          ? `${usd(t.estimate.amount)} (est.)`
          : '';
      const mark = t.id === report.winner?.trial ? ' class="winner"' : t.pareto ? ' class="pareto"' : '';
      return `<tr${mark}><td>${esc(t.id)}</td><td>${esc(t.provider)}</td><td>${esc(hyperparameterText(t))}</td><td>${esc(cost)}</td><td>${esc(metric)}</td><td>${t.seconds ?? ''}</td><td>${esc(t.status)}${t.reason ? ` — ${esc(t.reason)}` : ''}</td></tr>`;
    });
  return `<table><thead><tr><th>trial</th><th>provider</th><th>hyperparameters</th><th>cost</th><th>validation ${esc(report.metric)} [95%]</th><th>s</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Cost (x) against the validation metric (y); the Pareto front is joined by a line. */
function paretoChart(report: SweepReport): string {
  const points = report.trials.filter((t) => t.validation && t.cost);
  if (points.length === 0) return '';
  const w = 560;
  const h = 280;
  const pad = 40;
  const maxCost = Math.max(...points.map((t) => t.cost?.amount ?? 0)) || 1;
  const x = (c: number) => pad + (c / maxCost) * (w - 2 * pad);
  const y = (m: number) => h - pad - m * (h - 2 * pad);
  const front = points
    .filter((t) => t.pareto)
    .sort((a, b) => (a.cost?.amount ?? 0) - (b.cost?.amount ?? 0))
    .map((t) => `${x(t.cost?.amount ?? 0).toFixed(1)},${y(t.validation?.value ?? 0).toFixed(1)}`);
  const dots = points.map((t) => {
    const cx = x(t.cost?.amount ?? 0).toFixed(1);
    const cy = y(t.validation?.value ?? 0).toFixed(1);
    const fill = t.id === report.winner?.trial ? '#c2410c' : t.pareto ? '#1d4ed8' : '#9ca3af';
    return `<circle cx="${cx}" cy="${cy}" r="5" fill="${fill}"><title>${esc(t.id)}: ${esc(usd(t.cost?.amount ?? 0))}, ${esc(pct(t.validation?.value ?? 0))}</title></circle>`;
  });
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="cost against validation metric">
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#555"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#555"/>
<text x="${w / 2}" y="${h - 8}" text-anchor="middle" font-size="12">cost (USD, 0 – ${esc(usd(maxCost))})</text>
<text x="12" y="${h / 2}" transform="rotate(-90 12 ${h / 2})" text-anchor="middle" font-size="12">validation ${esc(report.metric)} (0 – 1)</text>
${front.length > 1 ? `<polyline points="${front.join(' ')}" fill="none" stroke="#1d4ed8" stroke-dasharray="4 3"/>` : ''}
${dots.join('\n')}</svg>`;
}

function winnerSection(report: SweepReport): string {
  const winner = report.winner;
  if (!winner)
    return '<p><strong>No winner:</strong> no trial finished and was evaluated. The test split was not read.</p>';
  const s = winner.test.summary;
  const vs = s.vsBaseline
    ? `; against ${esc(s.vsBaseline.baseline)}: ${s.vsBaseline.delta >= 0 ? '+' : ''}${(s.vsBaseline.delta * 100).toFixed(1)} points [${(s.vsBaseline.interval.low * 100).toFixed(1)}, ${(s.vsBaseline.interval.high * 100).toFixed(1)}]`
    : '';
  const metric = winner.test.metric
    ? `<p>Test ${esc(report.metric)}: <strong>${pct(winner.test.metric.value)}</strong>${winner.test.metric.interval ? ` [${pct(winner.test.metric.interval.low)}, ${pct(winner.test.metric.interval.high)}]` : ''}</p>`
    : '';
  const gate = report.gate
    ? `<ul>${report.gate.lines.map((l) => `<li>${l.pass ? 'PASS' : 'FAIL'} ${esc(l.threshold)} — ${esc(l.reason)}</li>`).join('')}</ul>`
    : '';
  return `<h2>Winner: ${esc(winner.trial)}</h2>
<p>Model ${esc(winner.model)}. Chosen on validation ${esc(report.metric)} ${pct(winner.validation.value)} (${esc(report.select)}).</p>
${metric}<p>Test pass rate ${pct(s.passRate)} [${pct(s.interval.low)}, ${pct(s.interval.high)}] on ${s.n} cases${vs}.</p>${gate}`;
}

/** A small self-contained page: winner and its test result, Pareto chart, leaderboard. */
export function sweepHtml(input: SweepReport): string {
  const report = redactValue(input);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sweep ${esc(report.name)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}tr.winner{background:#fff7ed}tr.pareto{background:#eff6ff}.note{color:#555}</style></head><body>
<h1>Sweep ${esc(report.name)}</h1>
<p class="note">${esc(report.discipline)}</p>
<p>Budget ${esc(usd(report.budget.usd))}: planned ${esc(usd(report.budget.planned))}, spent ${esc(usd(report.budget.spent))}. Trials ordered ${esc(report.order)}.</p>
${winnerSection(report)}
<h2>Cost against validation ${esc(report.metric)}</h2>
${paretoChart(report)}
<p class="note">Blue: on the Pareto front (no other trial is both cheaper and better). Orange: the winner.</p>
<h2>Leaderboard (validation split)</h2>
${leaderboard(report)}
</body></html>
`;
}

export async function writeSweepHtml(out: string, report: SweepReport): Promise<string> {
  const file = join(out, 'sweep.html');
  await writeFile(file, sweepHtml(report));
  return file;
}
