/**
 * How a threshold on a metric with a 95% interval (passRate, vsBaseline.delta) is judged:
 * - `point`: the measured value must meet it. A model exactly at the threshold passes about
 *   half the time; one 3 standard errors above almost always passes.
 * - `bound`: the interval's bound must meet it (the lower bound for `>=`/`>`, the upper for
 *   `<=`/`<`). A model exactly at the threshold passes at most ~2.5% of the time, but a model
 *   must sit about 4 standard errors above the threshold to pass reliably.
 * Metrics without an interval (latency, cost, flipRate) are compared as measured under either rule.
 * The default is `point`: it keeps the meaning the threshold had before the rule existed, and
 * which error matters more (a bad model shipped or a good one held back) is the team's call
 * (bench/gate-stability measures both; README "Gate rules").
 */
export const GATE_RULES = ['point', 'bound'] as const;
export type GateRule = (typeof GATE_RULES)[number];
export const DEFAULT_GATE_RULE: GateRule = 'point';
