import type { MetricSummary, RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import type { GateResult } from '../gate.js';
import { interval, markdownCell, money, ms, percent, pValue } from './escape.js';
import { defaultModelName } from './model-names.js';
import type { ReportData } from './report-data.js';

export interface SummaryInput {
  suiteName: string;
  status: RunStatus;
  summary: RunSummary;
  /** The first failing and erroring results, already limited by the caller. */
  failures: CaseResult[];
  /** How many failures and errors there were in all. */
  failureCount: number;
  /** Display names. @default the default short names */
  nameOf?: (id: string) => string;
  /** The suite's own thresholds, checked. */
  gate?: GateResult;
  /** For the top regressions against the baseline. */
  data?: ReportData;
  /** Regressions listed per candidate. @default 10 */
  regressions?: number;
}

/** The gate's verdict and one line per check, in markdown. */
export function gateMarkdown(gate: GateResult, name: (id: string) => string): string[] {
  const failed = gate.lines.filter((l) => !l.pass).length;
  return [
    `**Gate ${gate.pass ? 'passed' : 'FAILED'}** (${failed ? `${failed} of ${gate.lines.length} checks failed` : `${gate.lines.length} checks`})`,
    '',
    ...gate.lines.map(
      (l) =>
        `- ${l.pass ? '✅' : '❌'} **${markdownCell(l.threshold, 120)}** ${markdownCell(name(l.model), 40)}: ${markdownCell(l.reason, 160)}`,
    ),
    '',
  ];
}

function regressionLines(data: ReportData, limit: number, name: (id: string) => string): string[] {
  const base = data.baseline;
  if (base === undefined) return [];
  const lines: string[] = [];
  for (const vs of data.vs) {
    const candidate = data.models[vs.model]?.id ?? '';
    lines.push(
      '',
      `### Regressions of ${markdownCell(name(candidate), 40)} (${vs.regressions.length}; fixes: ${vs.fixes.length})`,
      '',
    );
    if (vs.regressions.length === 0) continue;
    lines.push('| case | input | expected | baseline said | candidate said |', '|---|---|---|---|---|');
    for (const row of vs.regressions.slice(0, limit)) {
      const c = data.cases[row];
      if (!c) continue;
      const said = (m: number) => c.res[m]?.o ?? `(${c.res[m]?.s ?? 'none'})`;
      lines.push(
        `| ${markdownCell(c.id, 40)} | ${markdownCell(c.in, 80)} | ${markdownCell(c.exp ?? '–', 40)} | ${markdownCell(said(base), 40)} | ${markdownCell(said(vs.model), 40)} |`,
      );
    }
    if (vs.regressions.length > limit)
      lines.push('', `…and ${vs.regressions.length - limit} more in report.html.`);
  }
  return lines;
}

const rate = (m: MetricSummary) => `${percent(m.passRate)} ${interval(m.interval)}`;

/** summary.md: short enough for a GitHub step summary or a PR comment. */
export function renderSummaryMarkdown(input: SummaryInput): string {
  const { summary } = input;
  const name = input.nameOf ?? defaultModelName;
  const lines: string[] = [];
  lines.push(`## polytune eval: ${markdownCell(input.suiteName)}`, '');
  if (input.status !== 'complete')
    lines.push(`> **Run ${input.status}**: not every case has a result; re-run with \`--resume\`.`, '');
  if (input.gate && input.gate.lines.length > 0) lines.push(...gateMarkdown(input.gate, name));
  const hasBaseline = summary.models.some((m) => m.vsBaseline);
  lines.push(
    `| model | n | pass rate [95% CI] | errors | mean score | p50 / p95 latency | tokens in / out | cost per 1k${hasBaseline ? ' | vs baseline Δ [95% CI], p' : ''} |`,
    `|---|---:|---|---:|---:|---|---|---:${hasBaseline ? '|---' : ''}|`,
  );
  for (const m of summary.models) {
    const vs = m.vsBaseline
      ? ` | ${m.vsBaseline.delta >= 0 ? '+' : ''}${percent(m.vsBaseline.delta)} ${interval(m.vsBaseline.interval)}, ${pValue(m.vsBaseline.pValue)}`
      : hasBaseline
        ? ' | baseline'
        : '';
    lines.push(
      `| ${markdownCell(name(m.model))} | ${m.n} | ${rate(m)} | ${m.errored} | ${m.meanScore.toFixed(3)} | ${ms(m.latency.p50)} / ${ms(m.latency.p95)} | ${m.tokens.input} / ${m.tokens.output} | ${m.cost.priced ? money(m.cost.per1k) : 'unknown'}${vs} |`,
    );
  }
  const categories = [...new Set(summary.models.flatMap((m) => Object.keys(m.categories)))];
  if (categories.length > 0) {
    lines.push(
      '',
      '### Pass rate by category',
      '',
      `| category | ${summary.models.map((m) => markdownCell(name(m.model))).join(' | ')} |`,
    );
    lines.push(`|---|${summary.models.map(() => '---').join('|')}|`);
    for (const category of categories) {
      const cells = summary.models.map((m) => {
        const c = m.categories[category];
        return c ? `${rate(c)} (n=${c.n})` : '–';
      });
      lines.push(`| ${markdownCell(category)} | ${cells.join(' | ')} |`);
    }
  }
  if (summary.repeats > 1) {
    lines.push(
      '',
      `Consistency over ${summary.repeats} repeats: ${summary.models.map((m) => `${markdownCell(name(m.model))} ${percent(m.consistency?.rate ?? 0)}`).join(', ')}.`,
    );
  }
  if (input.data) lines.push(...regressionLines(input.data, input.regressions ?? 10, name));
  if (input.failureCount > 0 && input.failures.length > 0) {
    lines.push(
      '',
      `### Failures and errors (${input.failureCount}${input.failureCount > input.failures.length ? `, first ${input.failures.length}` : ''})`,
      '',
    );
    lines.push('| model | case | category | status | reason |', '|---|---|---|---|---|');
    for (const r of input.failures) {
      lines.push(
        `| ${markdownCell(name(r.model), 40)} | ${markdownCell(r.id, 60)} | ${markdownCell(r.category)} | ${r.status} | ${markdownCell(r.reason, 240)} |`,
      );
    }
  }
  lines.push(
    '',
    'Pass rates count errors as not passed; intervals are Wilson 95%; latency quantiles are within 1%.',
  );
  return `${lines.join('\n')}\n`;
}
