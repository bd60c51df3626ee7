import type { CaseResult, CaseStatus } from '../case-result.js';
import { extractLabel } from '../graders/label.js';
import { readResultLines } from '../results-log.js';
import { inputText } from './escape.js';
import type { ModelInfo } from './model-names.js';

/**
 * What report.html embeds: one row per (case, repeat) with every model's
 * result side by side, the regressions and fixes of each candidate against the
 * baseline, and per-label counts when a label grader ran. Built from
 * results.jsonl, so `polytune report` and the runner produce the same page.
 */
export interface ReportResult {
  /** pass / fail / error */
  s: CaseStatus;
  /** output */
  o?: string;
  /** reason */
  r: string;
  /** latency, ms */
  l?: number;
  /** the label the output was read as, when a label grader ran */
  p?: string;
}

export interface ReportCase {
  id: string;
  rep: number;
  cat: string;
  gen?: string;
  in: string;
  exp?: string;
  /** One per model, in the order of `models`; null when that model has no result. */
  res: (ReportResult | null)[];
}

export interface VersusBaseline {
  /** Index into `models`. */
  model: number;
  /** Case rows (indices into `cases`) where the baseline passed and this model did not: McNemar's c. */
  regressions: number[];
  /** Case rows where this model passed and the baseline did not: McNemar's b. */
  fixes: number[];
  /** Rows every model finished (the paired trials). */
  paired: number;
}

export interface LabelStats {
  /** Per expected label, per model: [results, passed]. */
  perLabel: Record<string, [number, number][]>;
  /** Per model: the most frequent (expected, predicted) confusions. */
  confusions: { expected: string; predicted: string; n: number }[][];
}

export interface ReportData {
  models: ModelInfo[];
  baseline?: number;
  cases: ReportCase[];
  vs: VersusBaseline[];
  labels?: LabelStats;
  /** Set when the run had more cases than the page embeds: the lists and label views cover the first `shown`. */
  truncated?: { shown: number };
}

const TOP_CONFUSIONS = 25;
/** Case rows embedded in report.html: ~5 MB per 10,000 rows of three models; results.json keeps them all. */
export const MAX_REPORT_CASES = 20_000;

/** Reads outputs as labels; outputs repeat a lot (they are labels), so each distinct one is read once. */
function labelReader(labels: readonly string[] | undefined): (output: string) => string {
  const seen = new Map<string, string>();
  // extractLabel answers in its normalised form; show the label as the suite spells it.
  const spelled = new Map((labels ?? []).map((l) => [extractLabel(l, labels), l]));
  return (output) => {
    let label = seen.get(output);
    if (label === undefined) {
      const read = extractLabel(output, labels);
      label = spelled.get(read) ?? read;
      if (seen.size < 100_000) seen.set(output, label);
    }
    return label;
  };
}

function toResult(r: CaseResult, readLabel: (output: string) => string): ReportResult {
  const labelled = r.graders?.some((g) => g.type === 'label') && r.output !== undefined;
  return {
    s: r.status,
    r: r.reason,
    ...(r.output !== undefined ? { o: r.output } : {}),
    ...(r.latencyMs !== undefined ? { l: Math.round(r.latencyMs * 10) / 10 } : {}),
    ...(labelled ? { p: readLabel(r.output as string) } : {}),
  };
}

/** Regressions and fixes per candidate, counted as the aggregator counts McNemar's b and c. */
export function versusBaseline(
  cases: readonly ReportCase[],
  models: number,
  baseline: number,
): VersusBaseline[] {
  const out: VersusBaseline[] = [];
  for (let m = 0; m < models; m++) {
    if (m === baseline) continue;
    const vs: VersusBaseline = { model: m, regressions: [], fixes: [], paired: 0 };
    cases.forEach((c, i) => {
      if (c.res.some((r) => r === null)) return; // a pair counts only once every model reported
      const base = c.res[baseline]?.s === 'pass';
      const cand = c.res[m]?.s === 'pass';
      vs.paired++;
      if (base && !cand) vs.regressions.push(i);
      if (cand && !base) vs.fixes.push(i);
    });
    out.push(vs);
  }
  return out;
}

function labelStats(cases: readonly ReportCase[], models: number): LabelStats | undefined {
  const perLabel: Record<string, [number, number][]> = {};
  const confusions = Array.from({ length: models }, () => new Map<string, number>());
  let any = false;
  for (const c of cases) {
    if (c.exp === undefined) continue;
    c.res.forEach((r, m) => {
      if (!r || r.p === undefined) return;
      any = true;
      const row = perLabel[c.exp as string] ?? Array.from({ length: models }, (): [number, number] => [0, 0]);
      perLabel[c.exp as string] = row;
      const cell = row[m] as [number, number];
      cell[0]++;
      if (r.s === 'pass') cell[1]++;
      else if (r.s === 'fail') {
        const key = `${c.exp}\u0000${r.p}`;
        confusions[m]?.set(key, (confusions[m]?.get(key) ?? 0) + 1);
      }
    });
  }
  if (!any) return undefined;
  return {
    perLabel,
    confusions: confusions.map((map) =>
      [...map]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, TOP_CONFUSIONS)
        .map(([key, n]) => {
          const [expected = '', predicted = ''] = key.split('\u0000');
          return { expected, predicted, n };
        }),
    ),
  };
}

/** Reads results.jsonl once and lays the results out case by case. */
export async function buildReportData(
  resultsFile: string,
  models: readonly ModelInfo[],
  options: { baseline?: string; labels?: readonly string[]; maxCases?: number } = {},
): Promise<ReportData> {
  const maxCases = options.maxCases ?? MAX_REPORT_CASES;
  let truncated = false;
  const index = new Map(models.map((m, i) => [m.id, i]));
  const rows = new Map<string, ReportCase>();
  const cases: ReportCase[] = [];
  const readLabel = labelReader(options.labels);
  for await (const r of readResultLines(resultsFile)) {
    const m = index.get(r.model);
    if (m === undefined) continue;
    const key = `${r.id}\u0000${r.repeat}`;
    let row = rows.get(key);
    if (!row) {
      // Memory stays bounded for huge runs: rows past the cap are left to results.json.
      if (cases.length >= maxCases) {
        truncated = true;
        continue;
      }
      row = {
        id: r.id,
        rep: r.repeat,
        cat: r.category,
        in: inputText(r.input),
        res: models.map(() => null),
        ...(r.generator ? { gen: r.generator } : {}),
        ...(r.expected !== undefined ? { exp: String(r.expected) } : {}),
      };
      rows.set(key, row);
      cases.push(row);
    }
    row.res[m] = toResult(r, readLabel);
  }
  const baseline = options.baseline === undefined ? undefined : index.get(options.baseline);
  const labels = labelStats(cases, models.length);
  return {
    models: [...models],
    cases,
    vs: baseline === undefined ? [] : versusBaseline(cases, models.length, baseline),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(labels ? { labels } : {}),
    ...(truncated ? { truncated: { shown: cases.length } } : {}),
  };
}

/**
 * The data as a JSON text safe inside `<script type="application/json">`: no
 * `<`, `>` or `&` (so no `</script>` or `<!--`), and no U+2028/2029.
 */
export function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
