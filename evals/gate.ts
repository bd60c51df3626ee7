import { PolytuneError } from '../src/errors.js';
import type { MetricSummary, ModelSummary, RunSummary } from './aggregate.js';
import { DEFAULT_GATE_RULE, GATE_RULES, type GateRule } from './gate-rule.js';
import type { Interval } from './stats.js';

/**
 * The CI gate: thresholds like `passRate >= 0.9`,
 * `categories.adversarial.passRate >= 0.8`, `latency.p95 <= 800`,
 * `cost.per1k <= 2`, `vsBaseline.delta >= -0.01`, `consistency.flipRate <= 0.02`
 * are checked against every model of a run but the baseline (the reference, not
 * a candidate), unless `models` names which to check.
 */
export type Comparison = '>=' | '<=' | '>' | '<' | '==';

export { DEFAULT_GATE_RULE, GATE_RULES, type GateRule } from './gate-rule.js';

export interface Threshold {
  /** The text as written, e.g. `passRate >= 0.9`. */
  text: string;
  path: string[];
  op: Comparison;
  value: number;
}

export interface GateOptions {
  /** `point` (the measured value) or `bound` (the 95% interval's bound); see `GateRule`. @default 'point' */
  rule?: GateRule;
  /** @deprecated Use `rule: 'bound'`. Honoured when `rule` is not given. */
  useInterval?: boolean;
  /** Check only these models. @default every model but the baseline */
  models?: string[];
}

export interface GateLine {
  threshold: string;
  model: string;
  pass: boolean;
  /** The point estimate; undefined when the metric does not exist. */
  measured?: number;
  interval?: Interval;
  /** The figure actually compared (a bound when useInterval is on). */
  compared?: number;
  reason: string;
}

export interface GateResult {
  pass: boolean;
  /** The rule applied to metrics that have an interval. */
  rule: GateRule;
  lines: GateLine[];
}

const THRESHOLD =
  /^\s*([A-Za-z][\w.-]*(?:\.[\w-]+)*)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(%?)\s*$/i;

export function parseThreshold(text: string): Threshold {
  const match = THRESHOLD.exec(text);
  if (!match) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read the threshold ${JSON.stringify(text)}.`, {
      hint: 'Write `<metric> <op> <number>`, e.g. `passRate >= 0.9`, `categories.adversarial.passRate >= 0.8`, `latency.p95 <= 800`.',
    });
  }
  const [, path, op, number, pct] = match;
  return {
    text: text.trim(),
    path: (path as string).split('.'),
    op: op as Comparison,
    value: Number(number) / (pct ? 100 : 1),
  };
}

const compare = (a: number, op: Comparison, b: number) =>
  op === '>='
    ? a >= b
    : op === '<='
      ? a <= b
      : op === '>'
        ? a > b
        : op === '<'
          ? a < b
          : Math.abs(a - b) < 1e-12;

/** Metric path → value (and its interval where it has one). */
function lookup(model: ModelSummary, path: string[]): { value: number; interval?: Interval } | string {
  let metric: MetricSummary | ModelSummary['vsBaseline'] = model;
  let rest = path;
  if (path[0] === 'categories') {
    const name = path[1];
    const category = name === undefined ? undefined : model.categories[name];
    if (!category)
      return `no category ${JSON.stringify(name)} in this run (has: ${Object.keys(model.categories).join(', ') || 'none'})`;
    metric = category;
    rest = path.slice(2);
  } else if (path[0] === 'vsBaseline') {
    if (!model.vsBaseline) return 'no baseline comparison (run eval with --baseline)';
    metric = model.vsBaseline;
    rest = path.slice(1);
  }
  let value: unknown = metric;
  for (const key of rest)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'number') return `no metric ${JSON.stringify(path.join('.'))}`;
  const last = rest[rest.length - 1];
  // Pass rate and delta carry a 95% interval.
  const interval =
    last === 'passRate' || last === 'delta' ? (metric as { interval?: Interval }).interval : undefined;
  return { value, ...(interval ? { interval } : {}) };
}

export function evaluateGate(
  summary: RunSummary,
  thresholds: readonly (string | Threshold)[],
  options: GateOptions = {},
): GateResult {
  const parsed = thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : t));
  // The baseline is the reference the others are measured against, not a candidate: by default
  // every model but the baseline is gated (the baseline too when it is the only model).
  const models = summary.models.filter((m) =>
    options.models
      ? options.models.includes(m.model)
      : m.model !== summary.baseline || summary.models.length === 1,
  );
  if (options.models) {
    for (const wanted of options.models) {
      if (!models.some((m) => m.model === wanted)) {
        throw new PolytuneError(
          'USAGE',
          `Model ${wanted} is not in these results (${summary.models.map((m) => m.model).join(', ')}).`,
        );
      }
    }
  }
  const rule: GateRule = options.rule ?? (options.useInterval ? 'bound' : DEFAULT_GATE_RULE);
  if (!GATE_RULES.includes(rule)) {
    throw new PolytuneError('USAGE', `Unknown gate rule ${JSON.stringify(rule)}.`, {
      hint: `Use one of: ${GATE_RULES.join(', ')}.`,
    });
  }
  const lines: GateLine[] = [];
  for (const threshold of parsed) {
    for (const model of models) {
      if (threshold.path[0] === 'vsBaseline' && model.model === summary.baseline) continue;
      const found = lookup(model, threshold.path);
      if (typeof found === 'string') {
        lines.push({ threshold: threshold.text, model: model.model, pass: false, reason: found });
        continue;
      }
      const bound =
        rule === 'bound' && found.interval
          ? threshold.op === '>=' || threshold.op === '>'
            ? found.interval.low
            : threshold.op === '<=' || threshold.op === '<'
              ? found.interval.high
              : found.value
          : found.value;
      const pass = compare(bound, threshold.op, threshold.value);
      const which =
        bound === found.value ? 'measured' : threshold.op.startsWith('>') ? 'lower bound' : 'upper bound';
      lines.push({
        threshold: threshold.text,
        model: model.model,
        pass,
        measured: found.value,
        ...(found.interval ? { interval: found.interval } : {}),
        compared: bound,
        reason: `${which} ${+bound.toPrecision(6)} ${pass ? 'meets' : 'does not meet'} ${threshold.op} ${threshold.value}`,
      });
    }
  }
  if (models.length === 0 && parsed.length > 0) {
    lines.push({ threshold: '(run)', model: '-', pass: false, reason: 'the results hold no model' });
  }
  return { pass: lines.every((l) => l.pass), rule, lines };
}
