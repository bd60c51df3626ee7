import type { Command } from 'commander';
import { runSweep } from '../../../sweep/run-sweep.js';
import type { SweepEvent } from '../../../sweep/sweep-events.js';
import { hyperparameterText } from '../../../sweep/sweep-html.js';
import { loadSweep } from '../../../sweep/sweep-loader.js';
import { type PlannedTrial, planSweep, type SweepPlan } from '../../../sweep/sweep-plan.js';
import type { SweepReport } from '../../../sweep/sweep-report.js';
import { formatUsd as usd } from '../../cost/money.js';
import { PolytuneError } from '../../errors.js';
import { positiveInt } from '../flag-values.js';
import { resolveModelRef } from '../model-ref.js';
import { out } from '../output.js';
import { providerContext } from '../provider-settings.js';
import { printGate } from './gate.js';

/**
 * `polytune sweep plan|run <sweep file>`: a hyperparameter search across
 * providers under a hard budget. The sweep core returns values and events;
 * this file only parses flags and prints.
 */
interface SweepFlags {
  allowUnpriced?: boolean;
  json?: boolean;
  config?: string;
  ledgerDir?: string;
  out?: string;
  gate?: boolean;
  concurrency?: string;
  cache?: boolean;
  pollInterval?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function trialCost(trial: PlannedTrial): string {
  return trial.estimate ? `~${usd(trial.estimate.amount)}` : 'unpriced';
}

function printPlan(plan: SweepPlan, dryRun: boolean): void {
  const planned = plan.trials.filter((t) => t.status === 'planned');
  out.line(
    `Sweep ${plan.name}: ${plan.trials.length} trials, ${planned.length} planned${dryRun ? ' (plan only: nothing is sent)' : ''}`,
  );
  out.line(
    `  budget ${usd(plan.budget.usd)}${plan.budget.trials ? `, at most ${plan.budget.trials} trials` : ''}${plan.budget.hours ? `, ${plan.budget.hours} h` : ''}; kept ${plan.order === 'cheapest-first' ? 'cheapest first' : "in the file's order"}`,
  );
  const width = Math.max(...plan.trials.map((t) => t.id.length));
  for (const t of plan.trials) {
    const status = t.status === 'planned' ? '' : `  ${t.status.toUpperCase()}: ${t.reason ?? ''}`;
    out.line(
      `  ${t.id.padEnd(width)}  ${t.provider}  ${t.spec.baseModel}  ${hyperparameterText(t.spec)}  ${trialCost(t)}${status}`,
    );
    if (t.status !== 'planned') continue;
    if (t.estimate) out.line(`  ${' '.repeat(width)}  ${t.estimate.basis}`);
    for (const issue of t.issues) out.line(`  ${' '.repeat(width)}  warning ${issue.code}: ${issue.message}`);
  }
  out.line(
    `  total ~${usd(plan.total)} estimated for ${planned.length} trials${plan.unpriced ? ` (+${plan.unpriced} unpriced, counted as $0 until they report a cost)` : ''}`,
  );
}

function printReport(report: SweepReport): void {
  out.line(`Leaderboard (validation ${report.metric}, ${report.select}):`);
  const ranked = [...report.trials].sort((a, b) => (b.validation?.value ?? -1) - (a.validation?.value ?? -1));
  for (const t of ranked) {
    const v = t.validation;
    const metric = v
      ? `${pct(v.value)}${v.interval ? ` [${pct(v.interval.low)}, ${pct(v.interval.high)}]` : ''}`
      : t.status;
    const cost = t.cost ? `${usd(t.cost.amount)}${t.cost.actual ? '' : ' est.'}` : '-';
    const mark = t.id === report.winner?.trial ? '*' : t.pareto ? 'p' : ' ';
    out.line(
      `${mark} ${t.id}  ${t.provider}  ${hyperparameterText(t)}  ${cost}  ${metric}${t.seconds !== undefined ? `  ${t.seconds} s` : ''}${v || !t.reason ? '' : `  (${t.reason})`}`,
    );
  }
  out.line(`Pareto front (cost vs ${report.metric}): ${report.pareto.join(', ') || 'none'}`);
  out.line(
    `Spent ${usd(report.budget.spent)} of ${usd(report.budget.usd)} (planned ~${usd(report.budget.planned)}).`,
  );
  const winner = report.winner;
  if (!winner) {
    out.line('No winner: no trial finished and was evaluated; the test split was not read.');
    return;
  }
  const s = winner.test.summary;
  const vs = s.vsBaseline
    ? `; vs ${s.vsBaseline.baseline} ${s.vsBaseline.delta >= 0 ? '+' : ''}${(s.vsBaseline.delta * 100).toFixed(1)} pts`
    : '';
  out.line(
    `Winner ${winner.trial} (${winner.model}): test ${report.metric} ${winner.test.metric ? pct(winner.test.metric.value) : 'n/a'}, pass rate ${pct(s.passRate)} [${pct(s.interval.low)}, ${pct(s.interval.high)}] on ${s.n} cases${vs}`,
  );
  out.line(report.discipline);
}

function progress(event: SweepEvent): void {
  if (event.type === 'trial-start') out.info(`${event.trial}: starting on ${event.provider}`);
  else if (event.type === 'trial-submitted')
    out.info(
      `${event.trial}: ${event.reattached ? 're-attached to' : 'submitted'} job ${event.ref.remoteId}`,
    );
  else if (event.type === 'trial-done')
    out.info(
      `${event.trial}: ${event.result.status}${event.result.reason ? ` (${event.result.reason})` : ''}; spent ${usd(event.spent)}, committed ${usd(event.committed)}`,
    );
  else if (event.type === 'trial-eval' && event.event.type === 'start')
    out.info(`${event.trial}: judging on ${event.event.cases} validation cases`);
  else if (event.type === 'test-eval' && event.event.type === 'start')
    out.info(`test split: ${event.event.cases} cases × ${event.event.models.length} model(s)`);
  else if (event.type === 'winner')
    out.info(`winner on validation: ${event.trial}; evaluating it once on the test split`);
}

async function planCommand(file: string, flags: SweepFlags): Promise<number> {
  const loaded = await loadSweep(file);
  const context = await providerContext(flags);
  const plan = await planSweep(loaded, {
    providers: (id) => context.provider(id),
    allowUnpriced: flags.allowUnpriced ?? false,
  });
  if (flags.json) out.json(plan);
  else printPlan(plan, true);
  return plan.trials.some((t) => t.status === 'planned') ? 0 : 2;
}

async function runCommand(file: string, flags: SweepFlags): Promise<number> {
  const loaded = await loadSweep(file);
  const context = await providerContext(flags);
  const abort = new AbortController();
  const onSignal = () =>
    abort.abort(new PolytuneError('CANCELLED', 'Interrupted; re-run the sweep to re-attach.'));
  process.once('SIGINT', onSignal);
  try {
    const interval = flags.pollInterval === undefined ? undefined : Number(flags.pollInterval);
    if (interval !== undefined && !(interval > 0)) {
      throw new PolytuneError(
        'USAGE',
        `Expected --poll-interval to be a positive number of seconds, got ${JSON.stringify(flags.pollInterval)}.`,
      );
    }
    const report = await runSweep(loaded, {
      providers: (id) => context.provider(id),
      allowUnpriced: flags.allowUnpriced ?? false,
      ledger: context.ledger,
      out: flags.out ?? 'sweep-out',
      resolveModel: (ref) => resolveModelRef(ref, context),
      wait: interval ? { intervalMs: interval * 1000 } : {},
      eval: {
        concurrency: positiveInt('--concurrency', flags.concurrency) ?? 8,
        cache: flags.cache === false ? false : '.polytune/eval-cache',
      },
      onEvent: flags.json
        ? undefined
        : (event) => (event.type === 'plan' ? printPlan(event.plan, false) : progress(event)),
      signal: abort.signal,
    });
    if (flags.json) out.json(report);
    else {
      printReport(report);
      out.line(`reports: ${report.files.join(', ')}`);
    }
    if (!flags.gate) return 0;
    if (!report.gate) {
      out.line(report.winner ? 'gate FAILED: the suite has no thresholds' : 'gate FAILED: no winner to gate');
      return 1;
    }
    return printGate(report.gate, false);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** Worked examples for `--help` (kept here, beside the command, rather than in the shared table). */
const examples = (...lines: string[]) =>
  `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
const PLAN_EXAMPLE = 'polytune sweep plan examples/sweep.yaml';
const RUN_EXAMPLE = 'polytune sweep run examples/sweep.yaml --out sweep-out --gate';

export function register(program: Command): void {
  const sweep = program
    .command('sweep')
    .description('Hyperparameter search across providers under a hard budget (plan, then run)')
    .addHelpText('after', examples(PLAN_EXAMPLE, RUN_EXAMPLE));
  const common = (command: Command) =>
    command
      .argument('<sweep-file>', 'sweep file (YAML or JSON; see sweep/sweep.schema.json)')
      .option(
        '--allow-unpriced',
        'run trials whose price is unknown (they count $0 until they report a cost)',
      )
      .option('--json', 'print JSON')
      .option('--config <file>', 'polytune config file')
      .option('--ledger-dir <dir>', 'job ledger folder');
  common(
    sweep
      .command('plan')
      .description('list every trial with its cost estimate and what the budget cuts; sends nothing')
      .addHelpText('after', examples(PLAN_EXAMPLE, 'polytune sweep plan sweep.yaml --allow-unpriced --json')),
  ).action(async (file: string, flags: SweepFlags) => {
    process.exitCode = await planCommand(file, flags);
  });
  common(
    sweep
      .command('run')
      .description('run the planned trials, judge each on validation, score the winner once on test')
      .option('--out <dir>', 'folder for sweep.json, sweep.html and the eval runs', 'sweep-out')
      .option('--gate', "apply the suite's thresholds to the winner's test result; exit 1 if any fails")
      .option('--concurrency <n>', 'eval requests in flight at once', '8')
      .option('--no-cache', 'do not read or write the eval response cache')
      .option('--poll-interval <s>', 'first job poll interval in seconds (default 5)')
      .addHelpText('after', examples(RUN_EXAMPLE)),
  ).action(async (file: string, flags: SweepFlags) => {
    process.exitCode = await runCommand(file, flags);
  });
}
