import type { Command } from 'commander';
import { compilers, compilersFor } from '../../../providers/compilers.js';
import { type CheckReport, checkDataset } from '../../dataset/check-dataset.js';
import { type DatasetIssue, formatIssue } from '../../dataset/dataset-issue.js';
import type { ExampleKind } from '../../dataset/example.js';
import { type PrepareResult, prepareDataset } from '../../dataset/prepare.js';
import { type PresetName, parseColumnMap } from '../../dataset/presets.js';
import type { InputFormat } from '../../dataset/raw-record.js';
import { PolytuneError } from '../../errors.js';
import { out } from '../output.js';

interface CommonFlags {
  map?: string;
  kind?: ExampleKind;
  preset?: PresetName;
  format?: InputFormat;
  provider?: string;
  nearDupThreshold?: string;
  whitespace?: 'trim' | 'collapse' | 'keep';
  json?: boolean;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function providerList(flag: string | undefined): string[] | undefined {
  if (!flag) return undefined;
  const ids = flag
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  compilersFor(ids); // fails early on an unknown id
  return ids;
}

function number(flag: string | undefined, name: string, min: number, max: number): number | undefined {
  if (flag === undefined) return undefined;
  const n = Number(flag);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new PolytuneError('USAGE', `--${name} must be a number from ${min} to ${max}, got \`${flag}\``);
  }
  return n;
}

function scanOptions(flags: CommonFlags) {
  const threshold = number(flags.nearDupThreshold, 'near-dup-threshold', 0.5, 1);
  return {
    format: flags.format,
    kind: flags.kind,
    preset: flags.preset,
    map: flags.map ? parseColumnMap(flags.map) : undefined,
    clean: flags.whitespace ? { whitespace: flags.whitespace } : undefined,
    dedupe: threshold === undefined ? undefined : { nearDuplicateThreshold: threshold },
  };
}

/** Exit 2 with the first error's location when a dataset has errors (all were printed above). */
function failOnErrors(issues: readonly DatasetIssue[], errors: number, file: string): void {
  if (errors === 0) return;
  const first = issues.find((i) => i.severity === 'error');
  throw new PolytuneError(
    'INVALID_INPUT',
    `${fmt(errors)} error(s) in the dataset${first ? `; first: ${first.message}` : ''}`,
    {
      file: first?.file ?? file,
      line: first?.line,
      hint: 'Fix the lines listed above (or run `polytune data prepare --drop-invalid` to drop them, with reasons, in the manifest).',
    },
  );
}

// Warnings printed per code; the rest are counted in one line (errors are all listed).
const WARNINGS_SHOWN_PER_CODE = 10;

function printIssues(
  issues: readonly DatasetIssue[],
  issueCounts: Record<string, number>,
  seeMore: string,
): void {
  if (issues.length === 0) return;
  out.line('');
  const shown = new Map<string, number>();
  for (const issue of issues) {
    const n = (shown.get(issue.code) ?? 0) + 1;
    shown.set(issue.code, n);
    if (issue.severity === 'error' || n <= WARNINGS_SHOWN_PER_CODE) out.line(formatIssue(issue));
  }
  for (const [code, listed] of shown) {
    const total = Math.max(listed, issueCounts[code] ?? 0);
    const printed = issues.some((i) => i.code === code && i.severity === 'error')
      ? listed
      : Math.min(listed, WARNINGS_SHOWN_PER_CODE);
    if (total > printed) out.line(`… and ${fmt(total - printed)} more ${code} (${seeMore})`);
  }
}

function printCheck(report: CheckReport): void {
  const c = report.counts;
  out.line(`${report.file}: ${report.format}, preset ${report.preset} → ${report.kind} examples`);
  out.line(`records: read ${fmt(c.read)} · kept ${fmt(c.kept)} · dropped ${fmt(c.dropped)}`);
  const d = report.tokens.distribution;
  out.line(
    `tokens (${report.tokens.tokenizer}, chat format): min ${fmt(d.min)} · p50 ${fmt(d.p50)} · p90 ${fmt(d.p90)} · max ${fmt(d.max)} · total ${fmt(d.total)}`,
  );
  if (report.labels) {
    const entries = Object.entries(report.labels).sort((a, b) => a[1] - b[1]);
    const [small, big] = [entries[0], entries[entries.length - 1]];
    out.line(
      `labels: ${entries.length}${small && big ? ` (smallest ${JSON.stringify(small[0])} ${small[1]}, largest ${JSON.stringify(big[0])} ${big[1]})` : ''}`,
    );
  }
  for (const p of report.providers) {
    if (!p.supported) {
      out.line(`  ${p.provider.padEnd(11)} cannot take ${report.kind} examples`);
      continue;
    }
    const parts = [`${p.provider.padEnd(11)} ok`];
    if (p.approximateTokens) parts.push('token counts approximate');
    if (p.maxTokensPerExample !== undefined)
      parts.push(`${fmt(p.overLimit)} over ${fmt(p.maxTokensPerExample)} tokens`);
    if (p.billing) {
      parts.push(
        `≈${fmt(p.billing.billableTokens)} billable tokens (${p.billing.epochs} epochs${p.billing.epochsHeuristic ? ', default heuristic' : ''})`,
      );
    }
    out.line(`  ${parts.join(' · ')}`);
  }
  out.line(
    `${fmt(report.errors)} error(s), ${fmt(report.warnings)} warning(s)${report.usable ? '' : ' — not usable as is'}`,
  );
  printIssues(report.issues, report.issueCounts, 'see --json');
}

function printPrepare(result: PrepareResult): void {
  const m = result.manifest;
  out.line(`prepared ${result.dir} (${m.kind}, seed ${m.seed}, split ${m.split.join('/')})`);
  out.line(
    `records: read ${fmt(m.counts.read)} · kept ${fmt(m.counts.kept)} · dropped ${fmt(m.counts.dropped)}`,
  );
  out.line(
    `splits: train ${fmt(m.splits.train.count)} · validation ${fmt(m.splits.validation.count)} · test ${fmt(m.splits.test.count)}`,
  );
  for (const [provider, files] of Object.entries(m.compiled)) {
    out.line(
      `  ${provider.padEnd(11)} ${[files.train.file, files.validation?.file, ...files.extra.map((f) => f.file)].filter(Boolean).join(', ')}`,
    );
  }
  if (result.leakage.length > 0) {
    out.line(
      `leakage: ${fmt(result.leakage.length)} validation/test example(s) near-duplicate a training example`,
    );
  }
  const reasons = new Map<string, number>();
  for (const d of m.dropped) {
    const key = d.reason
      .replace(/ of line \d+$/, '')
      .replace(/\(similarity [\d.]+\)/, '')
      .trim();
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  for (const [reason, count] of reasons) out.line(`  dropped ${fmt(count)}: ${reason}`);
  printIssues(result.warnings, result.warningCounts, 'dropped records are listed in manifest.json');
}

export function register(program: Command): void {
  const data = program.command('data').description('Check and prepare datasets');

  const common = (cmd: Command) =>
    cmd
      .option('--map <pairs>', 'column mapping, canonical=source pairs (e.g. text=utterance,label=intent)')
      .option('--kind <kind>', 'chat | completion | classification | preference (detected when absent)')
      .option('--preset <name>', 'openai-chat | preference | instruction | prompt-completion | text-label')
      .option('--format <format>', 'jsonl | json | csv | tsv (detected when absent)')
      .option('--provider <ids>', 'providers to check/compile for, comma-separated (default: all)')
      .option(
        '--near-dup-threshold <x>',
        'near-duplicate similarity threshold, 0.5–1 (1 turns it off)',
        undefined,
      )
      .option('--whitespace <mode>', 'trim | collapse | keep', undefined)
      .option('--json', 'print the report as JSON');

  common(
    data.command('check <file>').description('Validate a dataset: stats, errors and warnings by line'),
  ).action(async (file: string, flags: CommonFlags) => {
    const providers = providerList(flags.provider);
    const report = await checkDataset(file, { ...scanOptions(flags), compilers, providers });
    if (flags.json) out.json(report);
    else printCheck(report);
    failOnErrors(report.issues, report.errors, file);
  });

  common(
    data
      .command('prepare <file>')
      .description('Clean, dedupe, split and compile a dataset into a prepared folder')
      .requiredOption('--out <dir>', 'output folder')
      .option('--seed <n>', 'split seed', '42')
      .option('--split <ratios>', 'train,validation,test ratios', '0.7,0.2,0.1')
      .option('--stratify <column>', 'stratify the split by this column (classification: by label)')
      .option('--drop-invalid', 'drop invalid records (listed in the manifest) instead of failing'),
  ).action(
    async (
      file: string,
      flags: CommonFlags & {
        out: string;
        seed: string;
        split: string;
        stratify?: string;
        dropInvalid?: boolean;
      },
    ) => {
      const seed = number(flags.seed, 'seed', 0, 2 ** 32 - 1);
      const split = flags.split.split(',').map(Number);
      if (split.length !== 3 || split.some((x) => !Number.isFinite(x) || x < 0) || split[0]! <= 0) {
        throw new PolytuneError(
          'USAGE',
          `--split must be three non-negative ratios, got \`${flags.split}\``,
          {
            hint: 'For example --split 0.8,0.1,0.1',
          },
        );
      }
      const ids = providerList(flags.provider);
      const result = await prepareDataset({
        file,
        out: flags.out,
        seed,
        split: split as [number, number, number],
        stratify: flags.stratify,
        onInvalid: flags.dropInvalid ? 'drop' : 'fail',
        compilers: ids ? compilersFor(ids) : compilers,
        providersRequested: ids !== undefined,
        ...scanOptions(flags),
      });
      if (flags.json) out.json(result.manifest);
      else printPrepare(result);
    },
  );
}
