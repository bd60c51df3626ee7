import type { CaseResult, CaseStatus } from './case-result.js';
import { type Interval, LatencySketch, type McNemarResult, mcnemar, pairedDelta, wilson } from './stats.js';

export interface MetricSummary {
  /** Results counted: cases × repeats. Errors count as not passed. */
  n: number;
  passed: number;
  failed: number;
  errored: number;
  passRate: number;
  /** Wilson 95% interval of the pass rate. */
  interval: Interval;
  /** Mean grader score over all results (errors score 0). */
  meanScore: number;
  /** Over results that produced an output; quantiles within 1% (log-bucketed sketch). */
  latency: { count: number; mean: number; p50: number; p95: number; p99: number; max: number };
  tokens: { input: number; output: number };
  /** USD; `per1k` is the cost of 1,000 results; `priced` false when the model has no price. */
  cost: { total: number; per1k: number; priced: boolean };
  /** With --repeats > 1: cases whose repeats all ended the same way. */
  consistency?: { cases: number; consistent: number; rate: number };
}

export interface BaselineComparison extends McNemarResult {
  baseline: string;
  /** Paired trials compared (cases × repeats both models finished). */
  n: number;
  /** This model's pass rate minus the baseline's on the paired trials. */
  delta: number;
  interval: Interval;
}

export interface ModelSummary extends MetricSummary {
  model: string;
  /** USD spent training this model (from the job ledger), when it came from a job; set by `compare`. */
  trainingCost?: number;
  categories: Record<string, MetricSummary>;
  vsBaseline?: BaselineComparison;
}

export interface RunSummary {
  models: ModelSummary[];
  baseline?: string;
  repeats: number;
}

class MetricAccumulator {
  n = 0;
  passed = 0;
  failed = 0;
  errored = 0;
  scoreSum = 0;
  latency = new LatencySketch();
  tokensIn = 0;
  tokensOut = 0;
  cost = 0;
  priced = false;
  consistencyCases = 0;
  consistent = 0;

  add(result: CaseResult): void {
    this.n++;
    if (result.status === 'pass') this.passed++;
    else if (result.status === 'fail') this.failed++;
    else this.errored++;
    this.scoreSum += result.status === 'error' ? 0 : (result.score ?? (result.status === 'pass' ? 1 : 0));
    if (result.latencyMs !== undefined && result.status !== 'error') this.latency.add(result.latencyMs);
    this.tokensIn += result.tokens?.input ?? 0;
    this.tokensOut += result.tokens?.output ?? 0;
    if (result.cost !== undefined) {
      this.cost += result.cost;
      this.priced = true;
    }
  }

  summary(repeats: number): MetricSummary {
    const out: MetricSummary = {
      n: this.n,
      passed: this.passed,
      failed: this.failed,
      errored: this.errored,
      passRate: this.n ? this.passed / this.n : 0,
      interval: wilson(this.passed, this.n),
      meanScore: this.n ? this.scoreSum / this.n : 0,
      latency: {
        count: this.latency.count,
        mean: this.latency.mean,
        p50: this.latency.quantile(0.5),
        p95: this.latency.quantile(0.95),
        p99: this.latency.quantile(0.99),
        max: this.latency.max,
      },
      tokens: { input: this.tokensIn, output: this.tokensOut },
      cost: { total: this.cost, per1k: this.n ? (this.cost / this.n) * 1000 : 0, priced: this.priced },
    };
    if (repeats > 1) {
      out.consistency = {
        cases: this.consistencyCases,
        consistent: this.consistent,
        rate: this.consistencyCases ? this.consistent / this.consistencyCases : 0,
      };
    }
    return out;
  }
}

/**
 * Folds results into summaries one at a time, in any order. It holds only
 * counters, latency sketches, and the cases still waiting for a repeat or for
 * another model (for consistency and pairing), so memory does not grow with
 * the number of finished cases.
 */
export class Aggregator {
  private readonly overall = new Map<string, MetricAccumulator>();
  private readonly byCategory = new Map<string, Map<string, MetricAccumulator>>();
  // (model, case) → statuses seen so far across repeats.
  private readonly repeatsPending = new Map<string, { category: string; statuses: CaseStatus[] }>();
  // (case, repeat) → model → passed; dropped once every model reported.
  private readonly pairsPending = new Map<string, Map<string, boolean>>();
  private readonly pairs = new Map<string, { n: number; b: number; c: number }>();

  constructor(
    readonly models: readonly string[],
    readonly repeats = 1,
    readonly baseline?: string,
  ) {
    for (const model of models) {
      this.overall.set(model, new MetricAccumulator());
      this.byCategory.set(model, new Map());
    }
  }

  add(result: CaseResult): void {
    let overall = this.overall.get(result.model);
    if (!overall) {
      overall = new MetricAccumulator();
      this.overall.set(result.model, overall);
      this.byCategory.set(result.model, new Map());
    }
    const categories = this.byCategory.get(result.model) as Map<string, MetricAccumulator>;
    let category = categories.get(result.category);
    if (!category) {
      category = new MetricAccumulator();
      categories.set(result.category, category);
    }
    overall.add(result);
    category.add(result);
    if (this.repeats > 1) this.addRepeat(result);
    if (this.baseline !== undefined && this.models.length > 1) this.addPair(result);
  }

  private addRepeat(result: CaseResult): void {
    const key = `${result.model}\u0000${result.id}`;
    const entry = this.repeatsPending.get(key) ?? { category: result.category, statuses: [] };
    entry.statuses.push(result.status);
    if (entry.statuses.length < this.repeats) {
      this.repeatsPending.set(key, entry);
      return;
    }
    this.repeatsPending.delete(key);
    const consistent = entry.statuses.every((s) => s === entry.statuses[0]);
    for (const acc of [
      this.overall.get(result.model),
      this.byCategory.get(result.model)?.get(entry.category),
    ]) {
      if (!acc) continue;
      acc.consistencyCases++;
      if (consistent) acc.consistent++;
    }
  }

  private addPair(result: CaseResult): void {
    const key = `${result.id}\u0000${result.repeat}`;
    const seen = this.pairsPending.get(key) ?? new Map<string, boolean>();
    seen.set(result.model, result.status === 'pass');
    if (seen.size < this.models.length) {
      this.pairsPending.set(key, seen);
      return;
    }
    this.pairsPending.delete(key);
    const base = seen.get(this.baseline as string);
    if (base === undefined) return;
    for (const [model, passed] of seen) {
      if (model === this.baseline) continue;
      const pair = this.pairs.get(model) ?? { n: 0, b: 0, c: 0 };
      pair.n++;
      if (passed && !base) pair.b++;
      if (!passed && base) pair.c++;
      this.pairs.set(model, pair);
    }
  }

  summary(): RunSummary {
    const models: ModelSummary[] = [];
    for (const [model, acc] of this.overall) {
      const categories: Record<string, MetricSummary> = {};
      for (const [name, c] of [...(this.byCategory.get(model) ?? new Map<string, MetricAccumulator>())].sort(
        ([a], [b]) => (a < b ? -1 : 1),
      )) {
        categories[name] = c.summary(this.repeats);
      }
      const summary: ModelSummary = { model, ...acc.summary(this.repeats), categories };
      const pair = this.pairs.get(model);
      if (this.baseline !== undefined && model !== this.baseline && this.models.length > 1) {
        const p = pair ?? { n: 0, b: 0, c: 0 };
        summary.vsBaseline = {
          baseline: this.baseline,
          n: p.n,
          ...mcnemar(p.b, p.c),
          ...pairedDelta(p.b, p.c, p.n),
        };
      }
      models.push(summary);
    }
    return { models, baseline: this.baseline, repeats: this.repeats };
  }
}
