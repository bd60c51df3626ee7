import type { CaseResult, CaseStatus, JudgeUsage } from './case-result.js';
import { JUDGE_PROMPT_HASH } from './graders/llm-judge.js';
import {
  ClusterSums,
  clusteredPaired,
  clusteredWilson,
  type Interval,
  LatencySketch,
  type McNemarResult,
  mcnemar,
  pairedDelta,
  wilson,
} from './stats.js';

export interface MetricSummary {
  /** Results counted: cases × repeats. Errors count as not passed. */
  n: number;
  passed: number;
  failed: number;
  errored: number;
  passRate: number;
  /**
   * Wilson 95% interval of the pass rate. With repeats > 1, cases are clusters of
   * their repeats (cluster-robust variance, see `clusteredWilson`), not n independent trials.
   */
  interval: Interval;
  /** With repeats > 1: the sample size the interval is worth (between the cases and cases × repeats). */
  effectiveN?: number;
  /** Mean grader score over all results (errors score 0). */
  meanScore: number;
  /** Over results that produced an output; quantiles within 1% (log-bucketed sketch). */
  latency: { count: number; mean: number; p50: number; p95: number; p99: number; max: number };
  tokens: { input: number; output: number };
  /** USD; `per1k` is the cost of 1,000 results; `priced` false when the model has no price. */
  cost: { total: number; per1k: number; priced: boolean };
  /**
   * With --repeats > 1: cases whose repeats all ended the same way (`rate`), and the
   * share whose status differs between repeats (`flipRate` = 1 − rate), gateable as
   * `consistency.flipRate <= 0.02`.
   */
  consistency?: { cases: number; consistent: number; rate: number; flipRate: number };
  /** llm-judge calls made to grade these results: their tokens and USD (`priced` false when the judge has no price). */
  judge?: JudgeUsage;
}

export interface BaselineComparison extends McNemarResult {
  baseline: string;
  /**
   * Paired trials compared (cases × repeats both models finished). With repeats > 1 the
   * interval and p-value treat each case's repeats as one cluster (`clusteredPaired`).
   */
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
  /** The llm-judge behind the grades, when one was called: which model(s), which prompt, what it cost in total. */
  judge?: JudgeUsage & {
    /** Ids of the judge models called. */
    models: string[];
    /** sha256 of the judge prompt template and call settings (see `judgePromptHash`). */
    promptHash: string;
  };
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
  /** Cases as clusters of repeats, for the interval (repeats > 1 only). */
  clusters = new ClusterSums();
  judge: JudgeUsage = { calls: 0, tokens: { input: 0, output: 0 }, cost: 0, priced: false };

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
    if (result.judge) addJudgeUsage(this.judge, result.judge);
  }

  /** `open`: clusters still short of their repeats (a cancelled run), counted with what they have. */
  summary(repeats: number, open: readonly CaseRepeats[] = []): MetricSummary {
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
      const sums = Object.assign(new ClusterSums(), this.clusters);
      for (const entry of open) sums.add(passes(entry.statuses), entry.statuses.length);
      const clustered = clusteredWilson(sums);
      out.interval = clustered.interval;
      out.effectiveN = clustered.effectiveN;
      const rate = this.consistencyCases ? this.consistent / this.consistencyCases : 0;
      out.consistency = {
        cases: this.consistencyCases,
        consistent: this.consistent,
        rate,
        flipRate: this.consistencyCases ? 1 - rate : 0,
      };
    }
    if (this.judge.calls > 0) out.judge = structuredClone(this.judge);
    return out;
  }
}

interface CaseRepeats {
  category: string;
  statuses: CaseStatus[];
}

const passes = (statuses: readonly CaseStatus[]) => statuses.filter((s) => s === 'pass').length;

export function addJudgeUsage(total: JudgeUsage, add: JudgeUsage): void {
  total.calls += add.calls;
  total.tokens.input += add.tokens.input;
  total.tokens.output += add.tokens.output;
  total.cost += add.cost;
  total.priced ||= add.priced;
}

/**
 * Folds results into summaries one at a time, in any order. It holds only
 * counters, cluster sums, latency sketches, and the cases still waiting for a
 * repeat or for another model (for consistency and pairing), so memory does not
 * grow with the number of finished cases.
 */
export class Aggregator {
  private readonly overall = new Map<string, MetricAccumulator>();
  private readonly byCategory = new Map<string, Map<string, MetricAccumulator>>();
  // (model, case) → statuses seen so far across repeats.
  private readonly repeatsPending = new Map<string, CaseRepeats>();
  // (case, repeat) → model → passed; dropped once every model reported.
  private readonly pairsPending = new Map<string, Map<string, boolean>>();
  private readonly pairs = new Map<string, { n: number; b: number; c: number }>();
  // With repeats: (model, case) → paired difference so far (d = b − c, m trials), and the finished clusters.
  private readonly pairClustersPending = new Map<string, { model: string; d: number; m: number }>();
  private readonly pairClusters = new Map<string, ClusterSums>();
  private readonly judgeModels = new Set<string>();

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
    if (result.judge) for (const id of result.judge.models ?? []) this.judgeModels.add(id);
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
      acc.clusters.add(passes(entry.statuses), entry.statuses.length);
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
      const d = passed && !base ? 1 : !passed && base ? -1 : 0;
      if (d > 0) pair.b++;
      if (d < 0) pair.c++;
      this.pairs.set(model, pair);
      if (this.repeats > 1) this.addPairCluster(model, result.id, d);
    }
  }

  private addPairCluster(model: string, id: string, d: number): void {
    const key = `${model}\u0000${id}`;
    const cluster = this.pairClustersPending.get(key) ?? { model, d: 0, m: 0 };
    cluster.d += d;
    cluster.m++;
    if (cluster.m < this.repeats) {
      this.pairClustersPending.set(key, cluster);
      return;
    }
    this.pairClustersPending.delete(key);
    this.pairClustersOf(model).add(cluster.d, cluster.m);
  }

  private pairClustersOf(model: string): ClusterSums {
    let sums = this.pairClusters.get(model);
    if (!sums) {
      sums = new ClusterSums();
      this.pairClusters.set(model, sums);
    }
    return sums;
  }

  private comparison(model: string): BaselineComparison {
    const p = this.pairs.get(model) ?? { n: 0, b: 0, c: 0 };
    const base = { baseline: this.baseline as string, n: p.n };
    if (this.repeats === 1) return { ...base, ...mcnemar(p.b, p.c), ...pairedDelta(p.b, p.c, p.n) };
    const sums = Object.assign(new ClusterSums(), this.pairClusters.get(model));
    for (const open of this.pairClustersPending.values()) if (open.model === model) sums.add(open.d, open.m);
    return { ...base, ...clusteredPaired(sums, p.b, p.c) };
  }

  /** Repeats still pending for a model (and category): counted as smaller clusters. */
  private openCases(model: string, category?: string): CaseRepeats[] {
    const open: CaseRepeats[] = [];
    const prefix = `${model}\u0000`;
    for (const [key, entry] of this.repeatsPending) {
      if (key.startsWith(prefix) && (category === undefined || entry.category === category)) open.push(entry);
    }
    return open;
  }

  summary(): RunSummary {
    const models: ModelSummary[] = [];
    for (const [model, acc] of this.overall) {
      const categories: Record<string, MetricSummary> = {};
      for (const [name, c] of [...(this.byCategory.get(model) ?? new Map<string, MetricAccumulator>())].sort(
        ([a], [b]) => (a < b ? -1 : 1),
      )) {
        categories[name] = c.summary(this.repeats, this.repeats > 1 ? this.openCases(model, name) : []);
      }
      const open = this.repeats > 1 ? this.openCases(model) : [];
      const summary: ModelSummary = { model, ...acc.summary(this.repeats, open), categories };
      if (this.baseline !== undefined && model !== this.baseline && this.models.length > 1) {
        summary.vsBaseline = this.comparison(model);
      }
      models.push(summary);
    }
    const run: RunSummary = { models, baseline: this.baseline, repeats: this.repeats };
    const judge = this.judgeTotal();
    if (judge.calls > 0) {
      run.judge = { models: [...this.judgeModels].sort(), promptHash: JUDGE_PROMPT_HASH, ...judge };
    }
    return run;
  }

  /** The judge's calls, tokens and cost over every model under test. */
  private judgeTotal(): JudgeUsage {
    const total: JudgeUsage = { calls: 0, tokens: { input: 0, output: 0 }, cost: 0, priced: false };
    for (const acc of this.overall.values()) addJudgeUsage(total, acc.judge);
    return total;
  }
}
