import { cpus } from 'node:os';
import { Aggregator, type RunSummary } from '../../evals/aggregate.js';
import type { CaseResult } from '../../evals/case-result.js';
import { evaluateGate, type GateRule } from '../../evals/gate.js';
import { type Random, seededRandom } from '../../evals/generators/seeded-random.js';
import { wilson } from '../../evals/stats.js';

/**
 * How often is the gate wrong? A simulated model with true pass rate p runs a
 * suite of n cases (each drawn afresh from the population of cases), k repeats
 * each; the real Aggregator folds the results and the real gate checks
 * `passRate >= T` under each rule. At each margin (true rate = T + m·SE, SE the
 * standard error of the pass rate for that design), 1,000 pairs of independent
 * runs give the gate's pass rate, its false-pass rate (m ≤ 0: the true rate is
 * not above the threshold, yet the gate passed) and how often the two runs of a
 * pair disagree.
 *
 * Cases: a share `flaky` of them pass with probability p on every repeat (they
 * flip between repeats); the others always pass (probability p) or always fail.
 * So repeats are correlated within a case, as with a real model.
 *
 *   npx tsx bench/gate-stability/run.ts [--runs 1000] [--threshold 0.85] [--seed 1]
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : fallback;
};
const RUNS = Number(flag('runs', '1000'));
const T = Number(flag('threshold', '0.85'));
const SEED = Number(flag('seed', '1'));
const FLAKY = 0.2;
const MARGINS = [-3, -2, -1, 0, 1, 2, 3, 4, 5];
const DESIGNS = [
  { cases: 200, repeats: 1 },
  { cases: 1000, repeats: 1 },
  { cases: 200, repeats: 3 },
];

/** Standard error of the pass rate: Var(case mean) = p(1 − p)·((1 − flaky) + flaky / k), over n cases. */
function standardError(p: number, cases: number, repeats: number): number {
  return Math.sqrt((p * (1 - p) * (1 - FLAKY + FLAKY / repeats)) / cases);
}

const template = (id: string, repeat: number): CaseResult => ({
  model: 'm',
  id,
  repeat,
  category: 'held-out',
  status: 'pass',
  reason: '',
  input: '',
  finishedAt: '',
});

/** One simulated eval run, folded by the real Aggregator. */
function simulate(random: Random, p: number, cases: number, repeats: number): RunSummary {
  const aggregator = new Aggregator(['m'], repeats);
  for (let i = 0; i < cases; i++) {
    const id = `c${i}`;
    const flaky = random.next() < FLAKY;
    const always = random.next() < p;
    for (let r = 0; r < repeats; r++) {
      const result = template(id, r);
      result.status = (flaky ? random.next() < p : always) ? 'pass' : 'fail';
      aggregator.add(result);
    }
  }
  return aggregator.summary();
}

/** The same summary with the interval as it was before clustering: every (case, repeat) an independent trial. */
function naive(summary: RunSummary): RunSummary {
  const models = summary.models.map((m) => ({ ...m, interval: wilson(m.passed, m.n) }));
  return { ...summary, models };
}

type Variant = { name: string; rule: GateRule; summary: (s: RunSummary) => RunSummary };
const VARIANTS: Variant[] = [
  { name: 'point', rule: 'point', summary: (s) => s },
  { name: 'bound', rule: 'bound', summary: (s) => s },
  { name: 'bound, unclustered', rule: 'bound', summary: naive },
];

interface Cell {
  passes: number;
  disagreements: number;
}

function measure(design: { cases: number; repeats: number }, margin: number, variants: Variant[]) {
  const se = standardError(T, design.cases, design.repeats);
  const p = Math.min(1, Math.max(0, T + margin * se));
  const random = seededRandom(SEED * 1_000_003 + design.cases * 31 + design.repeats * 7 + (margin + 10));
  const cells: Cell[] = variants.map(() => ({ passes: 0, disagreements: 0 }));
  for (let run = 0; run < RUNS; run++) {
    const a = simulate(random, p, design.cases, design.repeats);
    const b = simulate(random, p, design.cases, design.repeats);
    variants.forEach((variant, v) => {
      const gate = (s: RunSummary) =>
        evaluateGate(variant.summary(s), [`passRate >= ${T}`], { rule: variant.rule }).pass;
      const first = gate(a);
      const second = gate(b);
      const cell = cells[v] as Cell;
      cell.passes += Number(first) + Number(second);
      if (first !== second) cell.disagreements++;
    });
  }
  return { p, se, cells };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const started = Date.now();
console.log(
  `gate stability: threshold passRate >= ${T}, ${RUNS} pairs of runs per cell, seed ${SEED}, flaky share ${FLAKY}; ` +
    `${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
for (const design of DESIGNS) {
  const variants = design.repeats > 1 ? VARIANTS : VARIANTS.slice(0, 2);
  console.log(
    `\n${design.cases} cases × ${design.repeats} repeat(s), SE at the threshold ${standardError(T, design.cases, design.repeats).toFixed(4)}`,
  );
  console.log(
    `| margin (SE) | true rate | ${variants.map((v) => `${v.name}: passes | ${v.name}: runs disagree`).join(' | ')} |`,
  );
  console.log(`|---|---|${variants.map(() => '---|---|').join('')}`);
  for (const margin of MARGINS) {
    const { p, cells } = measure(design, margin, variants);
    const row = cells.map((cell) => `${pct(cell.passes / (2 * RUNS))} | ${pct(cell.disagreements / RUNS)}`);
    console.log(`| ${margin >= 0 ? '+' : ''}${margin} | ${p.toFixed(4)} | ${row.join(' | ')} |`);
  }
}
console.log('\nAt margins ≤ 0 (true rate not above the threshold) "passes" is the false-pass rate.');
console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
