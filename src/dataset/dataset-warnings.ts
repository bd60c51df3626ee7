import type { DatasetCompiler } from './compiler.js';
import { unsupportedKindMessage } from './compiler.js';
import type { DatasetIssue } from './dataset-issue.js';
import type { ScanResult } from './scan-dataset.js';
import { tokenDistribution } from './token-stats.js';

export interface WarningThresholds {
  /** Labels with fewer examples are flagged. */
  minExamplesPerLabel: number;
  /** Largest / smallest class above this is flagged. */
  maxClassImbalance: number;
  /** An example this many times the median length (and over `outlierMinTokens`) is flagged. */
  outlierFactor: number;
  outlierMinTokens: number;
}

export const DEFAULT_WARNING_THRESHOLDS: WarningThresholds = {
  minExamplesPerLabel: 10,
  maxClassImbalance: 10,
  outlierFactor: 10,
  outlierMinTokens: 1024,
};

/**
 * Findings that need the whole dataset: token limits per provider, length
 * outliers, inconsistent system messages, rare labels, class imbalance and
 * too few examples. `requested` providers that cannot take the kind are errors;
 * others are only mentioned.
 */
export function datasetFindings(
  scan: ScanResult,
  compilers: readonly DatasetCompiler[],
  requested: readonly string[] | undefined,
  thresholds: WarningThresholds = DEFAULT_WARNING_THRESHOLDS,
): DatasetIssue[] {
  const file = scan.file;
  const cap = scan.options.maxIssuesPerCode;
  const out: DatasetIssue[] = [];
  const kind = scan.mapping.kind;
  const n = scan.counts.kept;

  for (const compiler of compilers) {
    const provider = compiler.provider;
    if (!compiler.kinds.includes(kind)) {
      const isRequested = requested?.includes(provider) ?? false;
      out.push({
        severity: isRequested ? 'error' : 'warning',
        code: 'unsupported_kind',
        message: unsupportedKindMessage(compiler, kind),
        file,
        provider,
      });
      continue;
    }
    const limits = compiler.limits;
    if (!limits) continue;
    if (limits.maxTokensPerExample !== undefined) {
      let over = 0;
      for (let i = 0; i < n; i++) {
        const t = scan.tokens[i]!;
        if (t <= limits.maxTokensPerExample) continue;
        if (++over > cap) continue;
        out.push({
          severity: 'warning',
          code: 'over_token_limit',
          message: `${t.toLocaleString('en-US')} tokens${limits.approximateTokens ? ' (approximate)' : ''}, over the ${limits.maxTokensPerExample.toLocaleString('en-US')}-token limit per example; it will be truncated`,
          file,
          line: scan.lines[i],
          provider,
        });
      }
    }
    if (limits.minExamples !== undefined && n < limits.minExamples) {
      out.push({
        severity: 'warning',
        code: 'too_few_examples',
        message: `${n} usable examples; ${provider} needs at least ${limits.minExamples} training examples`,
        file,
        provider,
      });
    } else if (limits.recommendedExamples !== undefined && n < limits.recommendedExamples) {
      out.push({
        severity: 'warning',
        code: 'few_examples',
        message: `${n} usable examples; ${provider} recommends starting with ${limits.recommendedExamples}`,
        file,
        provider,
      });
    }
  }

  const dist = tokenDistribution(scan.tokens);
  const outlierAt = Math.max(thresholds.outlierMinTokens, thresholds.outlierFactor * dist.p50);
  let outliers = 0;
  for (let i = 0; i < n; i++) {
    const t = scan.tokens[i]!;
    if (t <= outlierAt || ++outliers > cap) continue;
    out.push({
      severity: 'warning',
      code: 'long_example',
      message: `${t.toLocaleString('en-US')} tokens, ${Math.round(t / Math.max(1, dist.p50))}× the median (${dist.p50})`,
      file,
      line: scan.lines[i],
    });
  }

  const sys = scan.systemMessages;
  if (sys.with > 0 && sys.without > 0) {
    for (const line of sys.linesWithout) {
      out.push({
        severity: 'warning',
        code: 'missing_system_message',
        message: `no system message, while ${sys.with} other example(s) have one`,
        file,
        line,
      });
    }
  }

  if (scan.labels) {
    const entries = Object.entries(scan.labels);
    for (const [label, count] of entries) {
      if (count < thresholds.minExamplesPerLabel) {
        out.push({
          severity: 'warning',
          code: 'rare_label',
          message: `label ${JSON.stringify(label)} has only ${count} example(s) (fewer than ${thresholds.minExamplesPerLabel})`,
          file,
        });
      }
    }
    if (entries.length > 1) {
      const counts = entries.map(([, c]) => c);
      const max = Math.max(...counts);
      const min = Math.min(...counts);
      if (max / min > thresholds.maxClassImbalance) {
        const big = entries.find(([, c]) => c === max)![0];
        const small = entries.find(([, c]) => c === min)![0];
        out.push({
          severity: 'warning',
          code: 'class_imbalance',
          message: `classes are imbalanced: ${JSON.stringify(big)} has ${max} examples, ${JSON.stringify(small)} has ${min} (${(max / min).toFixed(1)}×)`,
          file,
        });
      }
    }
    if (entries.length === 1) {
      out.push({
        severity: 'warning',
        code: 'single_label',
        message: 'every example has the same label',
        file,
      });
    }
  }
  return out;
}
