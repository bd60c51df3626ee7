import type { MetricSummary, RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import { interval, markdownCell, money, ms, percent, pValue } from './escape.js';
import { modelLabel } from './model-label.js';

export interface SummaryInput {
  suiteName: string;
  status: RunStatus;
  summary: RunSummary;
  /** The first failing and erroring results, already limited by the caller. */
  failures: CaseResult[];
  /** How many failures and errors there were in all. */
  failureCount: number;
}

const rate = (m: MetricSummary) => `${percent(m.passRate)} ${interval(m.interval)}`;

/** summary.md: short enough for a GitHub step summary or a PR comment. */
export function renderSummaryMarkdown(input: SummaryInput): string {
  const { summary } = input;
  const lines: string[] = [];
  lines.push(`## polytune eval: ${markdownCell(input.suiteName)}`, '');
  if (input.status !== 'complete')
    lines.push(`> **Run ${input.status}**: not every case has a result; re-run with \`--resume\`.`, '');
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
      `| ${markdownCell(modelLabel(m.model))} | ${m.n} | ${rate(m)} | ${m.errored} | ${m.meanScore.toFixed(3)} | ${ms(m.latency.p50)} / ${ms(m.latency.p95)} | ${m.tokens.input} / ${m.tokens.output} | ${m.cost.priced ? money(m.cost.per1k) : 'n/a'}${vs} |`,
    );
  }
  const categories = [...new Set(summary.models.flatMap((m) => Object.keys(m.categories)))];
  if (categories.length > 0) {
    lines.push(
      '',
      '### Pass rate by category',
      '',
      `| category | ${summary.models.map((m) => markdownCell(modelLabel(m.model))).join(' | ')} |`,
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
      `Consistency over ${summary.repeats} repeats: ${summary.models.map((m) => `${markdownCell(modelLabel(m.model))} ${percent(m.consistency?.rate ?? 0)}`).join(', ')}.`,
    );
  }
  if (input.failureCount > 0) {
    lines.push(
      '',
      `### Failures and errors (${input.failureCount}${input.failureCount > input.failures.length ? `, first ${input.failures.length}` : ''})`,
      '',
    );
    lines.push('| model | case | category | status | reason |', '|---|---|---|---|---|');
    for (const r of input.failures) {
      lines.push(
        `| ${markdownCell(modelLabel(r.model), 40)} | ${markdownCell(r.id, 60)} | ${markdownCell(r.category)} | ${r.status} | ${markdownCell(r.reason, 240)} |`,
      );
    }
  }
  lines.push(
    '',
    'Pass rates count errors as not passed; intervals are Wilson 95%; latency quantiles are within 1%.',
  );
  return `${lines.join('\n')}\n`;
}
