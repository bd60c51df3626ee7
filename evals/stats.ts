/**
 * Statistics over per-case results: Wilson score intervals, McNemar's paired
 * test, a paired difference with its interval, and a streaming latency sketch.
 *
 * With repeats, the (case, repeat) trials of one case are not independent: a
 * case the model gets wrong tends to stay wrong. The clustered forms below
 * treat each case as a cluster of its repeats (cluster-robust "CR0" variance
 * of a ratio estimator), so running the same outputs k times does not narrow
 * the interval by √k.
 */

export interface Interval {
  low: number;
  high: number;
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for `passed` successes out of `n` (95% by default). n = 0 gives [0, 1]. */
export function wilson(passed: number, n: number, z = Z95): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = passed / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At 0/n and n/n the bound is exactly 0 or 1; say so rather than 0.9999999999999999.
  return {
    low: passed === 0 ? 0 : Math.max(0, centre - half),
    high: passed === n ? 1 : Math.min(1, centre + half),
  };
}

/** Complementary error function (Numerical Recipes erfcc, |error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

export interface McNemarResult {
  /** Cases the model passed and the baseline failed. */
  b: number;
  /** Cases the model failed and the baseline passed. */
  c: number;
  /** χ² with continuity correction (reported for both methods). */
  statistic: number;
  pValue: number;
  /**
   * `exact` (binomial, used when b + c < 25), `chi2` (continuity-corrected), or
   * `clustered` (repeats: Durkalski's clustered McNemar, see `clusteredPaired`).
   */
  method: 'exact' | 'chi2' | 'clustered';
}

/**
 * McNemar's test on the discordant pairs of a paired 2×2 table. The statistic is
 * Edwards' continuity-corrected χ² = max(0, |b − c| − 1)² / (b + c), so b = c gives
 * 0 (and p = 1), not 1/n. Below 25 discordant pairs the p-value is the exact
 * two-sided binomial one, min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½).
 */
export function mcnemar(b: number, c: number): McNemarResult {
  const n = b + c;
  const statistic = n === 0 ? 0 : Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  if (n === 0) return { b, c, statistic: 0, pValue: 1, method: 'exact' };
  if (n < 25) {
    const k = Math.min(b, c);
    let tail = 0;
    for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
    return { b, c, statistic, pValue: Math.min(1, 2 * tail), method: 'exact' };
  }
  return { b, c, statistic, pValue: chi2Tail1(statistic), method: 'chi2' };
}

/**
 * Difference in pass rate between a model and its baseline on the same n
 * paired trials, with a 95% Wald interval for paired proportions:
 * Var = ((b + c) − (b − c)² / n) / n².
 */
export function pairedDelta(b: number, c: number, n: number, z = Z95): { delta: number; interval: Interval } {
  if (n === 0) return { delta: 0, interval: { low: -1, high: 1 } };
  const delta = (b - c) / n;
  const variance = Math.max(0, (b + c - (b - c) ** 2 / n) / (n * n));
  const half = z * Math.sqrt(variance);
  return { delta, interval: { low: Math.max(-1, delta - half), high: Math.min(1, delta + half) } };
}

/** χ² with 1 degree of freedom: P(X > s) = erfc(sqrt(s / 2)). */
export function chi2Tail1(statistic: number): number {
  return Math.min(1, erfc(Math.sqrt(Math.max(0, statistic) / 2)));
}

/**
 * Running sums of clusters (cases) of trials (repeats): a case with m trials and
 * a successes adds m, a, a², a·m and m². That is all the cluster-robust variance
 * of a ratio estimator needs, so memory does not grow with the cases.
 */
export class ClusterSums {
  clusters = 0;
  trials = 0;
  successes = 0;
  sumA2 = 0;
  sumAM = 0;
  sumM2 = 0;

  add(successes: number, trials: number): void {
    this.clusters++;
    this.trials += trials;
    this.successes += successes;
    this.sumA2 += successes * successes;
    this.sumAM += successes * trials;
    this.sumM2 += trials * trials;
  }

  /** Σ (aᵢ − r·mᵢ)² for a ratio r: the spread of the clusters around it. */
  spread(ratio: number): number {
    return Math.max(0, this.sumA2 - 2 * ratio * this.sumAM + ratio * ratio * this.sumM2);
  }
}

/**
 * Wilson interval for a pass rate measured on clusters (cases × repeats).
 *
 * The cluster-robust variance V = Σ (aᵢ − p̂·mᵢ)² / M² (M = Σ mᵢ trials) gives an
 * effective sample size n_eff = p̂(1 − p̂) / V (Kish's design effect), and the
 * Wilson interval is taken at n_eff. With one trial per case this is exactly
 * `wilson(passed, n)`; when every case repeats the same outcome, n_eff is the
 * number of cases, so k identical repeats give the interval of one run. n_eff is
 * kept within [cases, trials]: never more independent than the trials, never
 * fewer than the cases.
 */
export function clusteredWilson(sums: ClusterSums, z = Z95): { interval: Interval; effectiveN: number } {
  const { clusters, trials, successes } = sums;
  if (trials === 0) return { interval: { low: 0, high: 1 }, effectiveN: 0 };
  const p = successes / trials;
  const variance = sums.spread(p) / (trials * trials);
  let effectiveN: number;
  if (p === 0 || p === 1) effectiveN = clusters;
  else if (variance === 0) effectiveN = trials;
  else effectiveN = Math.min(trials, Math.max(clusters, (p * (1 - p)) / variance));
  return { interval: wilson(p * effectiveN, effectiveN, z), effectiveN };
}

/**
 * A paired comparison on clusters: per case dᵢ = bᵢ − cᵢ over its mᵢ paired
 * trials. The difference is Σdᵢ / M with the cluster-robust variance
 * Σ (dᵢ − Δ·mᵢ)² / M²; with one trial per case this is `pairedDelta`. The test is
 * the clustered McNemar of Durkalski et al. (Stat Med 2003;22:1849): χ² =
 * (Σdᵢ)² / Σdᵢ² on 1 degree of freedom, which is McNemar's uncorrected χ² when
 * each case has one trial.
 */
export function clusteredPaired(
  sums: ClusterSums,
  b: number,
  c: number,
  z = Z95,
): McNemarResult & { delta: number; interval: Interval } {
  const n = sums.trials;
  if (n === 0 || b + c === 0) {
    return {
      b,
      c,
      statistic: 0,
      pValue: 1,
      method: 'clustered',
      delta: 0,
      interval: n ? { low: 0, high: 0 } : { low: -1, high: 1 },
    };
  }
  // Here aᵢ = dᵢ (may be negative): Σdᵢ = b − c and Σdᵢ² = sumA2.
  const delta = (b - c) / n;
  const half = z * Math.sqrt(sums.spread(delta) / (n * n));
  const statistic = sums.sumA2 === 0 ? 0 : (b - c) ** 2 / sums.sumA2;
  return {
    b,
    c,
    statistic,
    pValue: chi2Tail1(statistic),
    method: 'clustered',
    delta,
    interval: { low: Math.max(-1, delta - half), high: Math.min(1, delta + half) },
  };
}

/**
 * Latency quantiles without keeping every value: a log-bucketed histogram
 * (bucket width 1%), so any reported quantile is within 1% of the exact
 * nearest-rank value while memory stays a few hundred buckets however many
 * cases run. Min and max are exact.
 */
export class LatencySketch {
  private static readonly GAMMA = 1.01;
  private static readonly LOG_GAMMA = Math.log(LatencySketch.GAMMA);
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  add(ms: number): void {
    const value = Math.max(0, ms);
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // Values below 1 ms share bucket 0.
    const index = value < 1 ? -1 : Math.floor(Math.log(value) / LatencySketch.LOG_GAMMA);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  /** Nearest-rank quantile q in (0, 1], within 1% of the exact value; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index) as number;
      if (seen >= rank) {
        if (index < 0) return Math.min(this.max, 0.5);
        // The bucket's midpoint, clamped to what was really seen.
        const mid = LatencySketch.GAMMA ** index * ((1 + LatencySketch.GAMMA) / 2);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}
