import type { Command } from 'commander';
import { evaluateGate, GATE_RULES, type GateResult, type GateRule } from '../../../evals/gate.js';
import { defaultModelName, modelInfos, nameOf } from '../../../evals/report/model-names.js';
import { readResultsSummary } from '../../../evals/report/results-json.js';
import { gateMarkdown } from '../../../evals/report/summary-md.js';
import { loadThresholdsFile } from '../../../evals/thresholds-file.js';
import { PolytuneError } from '../../errors.js';
import { collect } from '../flag-values.js';
import { out } from '../output.js';
import { appendStepSummaryText, inGitHubActions, workflowCommandText } from '../step-summary.js';

interface GateFlags {
  thresholds?: string;
  threshold?: string[];
  useInterval?: boolean;
  rule?: string;
  model?: string[];
  json?: boolean;
}

const fmt = (x: number | undefined) =>
  x === undefined ? 'n/a' : Math.abs(x) >= 10 ? x.toFixed(1) : +x.toPrecision(4);

/** Under GitHub Actions, each failed check as an `::error::` annotation on the run. */
function annotate(result: GateResult, name: (id: string) => string): void {
  if (!inGitHubActions()) return;
  for (const line of result.lines.filter((l) => !l.pass)) {
    out.line(
      `::error title=polytune gate::${workflowCommandText(`${name(line.model)}: ${line.threshold} failed (${line.reason})`)}`,
    );
  }
}

const RULE_MEANING: Record<GateRule, string> = {
  point: 'measured values',
  bound: '95% interval bounds for passRate and delta, measured values elsewhere',
};

/** Prints each threshold with its measured value and interval; returns the exit code. */
export function printGate(
  result: GateResult,
  json: boolean,
  name: (id: string) => string = defaultModelName,
): number {
  // With --json stdout is for the machine reading it, so no annotations there.
  if (json) out.json(result);
  else {
    out.line(`gate rule: ${result.rule} (${RULE_MEANING[result.rule]})`);
    annotate(result, name);
    const width = Math.max(0, ...result.lines.map((l) => l.threshold.length));
    for (const line of result.lines) {
      const interval = line.interval ? ` [${fmt(line.interval.low)}, ${fmt(line.interval.high)}]` : '';
      // The reason repeats the measured value unless it compared an interval bound or found no metric.
      const detail =
        line.measured === undefined
          ? line.reason
          : `${fmt(line.measured)}${interval}${line.reason.startsWith('measured') ? '' : ` (${line.reason})`}`;
      out.line(
        `${line.pass ? 'PASS' : 'FAIL'}  ${line.threshold.padEnd(width)}  ${detail}  ${name(line.model)}`,
      );
    }
    out.line(
      result.pass
        ? `gate passed (${result.lines.length} checks)`
        : `gate FAILED (${result.lines.filter((l) => !l.pass).length} of ${result.lines.length} checks)`,
    );
  }
  return result.pass ? 0 : 1;
}

export async function runGate(file: string, flags: GateFlags): Promise<number> {
  const results = await readResultsSummary(file);
  let thresholds = results.suite.thresholds;
  // Flag, then the thresholds file, then the rule the suite recorded in results.json.
  let rule = parseRule(flags.rule) ?? (flags.useInterval ? 'bound' : undefined) ?? results.suite.gate?.rule;
  if (flags.thresholds) {
    const loaded = await loadThresholdsFile(flags.thresholds);
    thresholds = loaded.thresholds;
    rule = parseRule(flags.rule) ?? (flags.useInterval ? 'bound' : undefined) ?? loaded.rule;
  }
  if (flags.threshold?.length) thresholds = flags.threshold;
  if (thresholds.length === 0) {
    throw new PolytuneError('USAGE', 'No thresholds to check.', {
      hint: 'Add `thresholds` to the suite, or pass --thresholds <file> or --threshold "passRate >= 0.9".',
    });
  }
  if (results.status !== 'complete')
    out.error(`warning: ${file} is from a ${results.status} run; not every case has a result.`);
  const name = nameOf(results.modelInfo ?? modelInfos(results.models));
  // --model takes an id or a display name.
  const byName = new Map((results.modelInfo ?? []).map((m) => [m.name, m.id]));
  const models = flags.model?.map((m) => byName.get(m) ?? m);
  const result = evaluateGate(results.summary, thresholds, {
    ...(rule ? { rule } : {}),
    ...(models ? { models } : {}),
  });
  await appendStepSummaryText(gateMarkdown(result, name).join('\n'));
  return printGate(result, flags.json ?? false, name);
}

/** `--rule` value, checked. */
export function parseRule(value: string | undefined): GateRule | undefined {
  if (value === undefined) return undefined;
  if (!(GATE_RULES as readonly string[]).includes(value)) {
    throw new PolytuneError('USAGE', `Expected --rule to be one of ${GATE_RULES.join(', ')}, got ${value}.`, {
      hint: 'point: the measured value must meet the threshold; bound: the 95% interval bound must.',
    });
  }
  return value as GateRule;
}

export function register(program: Command): void {
  program
    .command('gate')
    .description('Check an eval results.json against thresholds; exit 0 when all hold, 1 when any fails')
    .argument('<results.json>', 'results.json written by `polytune eval`')
    .option(
      '--thresholds <file>',
      'YAML/JSON list of thresholds (default: the suite thresholds recorded in results.json)',
    )
    .option(
      '--threshold <expr>',
      'a threshold, e.g. "passRate >= 0.9" (repeatable; replaces the others)',
      collect,
    )
    .option(
      '--rule <point|bound>',
      'point: the measured value must meet each threshold; bound: the 95% interval bound must (lower for >=, upper for <=). Default: the thresholds file, the suite, else point',
    )
    .option('--use-interval', 'the same as --rule bound')
    .option('--model <id>', 'check only this model, by id or display name (repeatable)', collect)
    .option('--json', 'print the gate result as JSON')
    .addHelpText(
      'after',
      '\nMetrics: passRate, meanScore, errored, latency.p50|p95|p99|mean, cost.per1k|total, tokens.input|output,\n' +
        '         consistency.rate|flipRate, judge.cost, categories.<name>.<metric>, vsBaseline.delta|pValue. A trailing % divides by 100.',
    )
    .action(async (file: string, flags: GateFlags) => {
      process.exitCode = await runGate(file, flags);
    });
}
