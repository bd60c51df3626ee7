import type { DatasetCompiler } from './compiler.js';
import type { DatasetIssue } from './dataset-issue.js';
import type { TokenDistribution } from './dataset-stats.js';
import { datasetFindings } from './dataset-warnings.js';
import type { ExampleKind } from './example.js';
import type { PresetName } from './presets.js';
import type { InputFormat } from './raw-record.js';
import { scanDataset } from './scan-dataset.js';
import type { ScanOptions } from './scan-options.js';
import { TOKENIZER } from './token-count.js';
import { type BillingEstimate, billingEstimate, tokenDistribution } from './token-stats.js';

export interface CheckOptions extends ScanOptions {
  /** Compilers (one per provider) whose kinds and limits are checked; see `providers/compilers.ts`. */
  compilers?: readonly DatasetCompiler[];
  /** Providers the user means to use: a kind they cannot take is an error, not a warning. */
  providers?: readonly string[];
}

export interface ProviderCheck {
  provider: string;
  supported: boolean;
  /** True when o200k_base only approximates this provider's tokenizer. */
  approximateTokens: boolean;
  maxTokensPerExample?: number;
  overLimit: number;
  /** Billable training tokens if all usable examples were trained on (OpenAI notebook's epoch heuristic). */
  billing?: BillingEstimate;
  note?: string;
}

/** What `polytune data check` reports. */
export interface CheckReport {
  file: string;
  format: InputFormat;
  preset: PresetName;
  kind: ExampleKind;
  /** `kept + dropped = read`. */
  counts: { read: number; kept: number; dropped: number };
  errors: number;
  warnings: number;
  /** Findings, sorted by line (dataset-wide ones first); at most `maxIssuesPerCode` per code. */
  issues: DatasetIssue[];
  issueCounts: Record<string, number>;
  tokens: { tokenizer: string; distribution: TokenDistribution };
  labels?: Record<string, number>;
  providers: ProviderCheck[];
  /** No errors: the file can be prepared as it is. */
  usable: boolean;
}

/** Loads, validates, cleans and dedupes a file without writing anything, and reports. */
export async function checkDataset(file: string, options: CheckOptions = {}): Promise<CheckReport> {
  const { compilers: allCompilers = [], providers, ...scanOptions } = options;
  const compilers = providers ? allCompilers.filter((c) => providers.includes(c.provider)) : allCompilers;
  const scan = await scanDataset(file, scanOptions);
  scan.nearIndex?.release();
  const extra = datasetFindings(scan, compilers, providers);
  const issues = [...scan.issues, ...extra].sort(
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
  const issueCounts = { ...scan.issueCounts };
  let errors = scan.errors;
  let warnings = scan.warnings;
  for (const issue of extra) {
    issueCounts[issue.code] = (issueCounts[issue.code] ?? 0) + 1;
    if (issue.severity === 'error') errors++;
    else warnings++;
  }
  const providerChecks: ProviderCheck[] = compilers.map((c) => {
    const supported = c.kinds.includes(scan.mapping.kind);
    const max = c.limits?.maxTokensPerExample;
    let overLimit = 0;
    if (max !== undefined) for (const t of scan.tokens) if (t > max) overLimit++;
    return {
      provider: c.provider,
      supported,
      approximateTokens: c.limits?.approximateTokens ?? true,
      maxTokensPerExample: max,
      overLimit,
      billing: supported && max !== undefined ? billingEstimate(scan.tokens, max) : undefined,
      note: c.limits?.note,
    };
  });
  return {
    file,
    format: scan.format,
    preset: scan.mapping.preset,
    kind: scan.mapping.kind,
    counts: scan.counts,
    errors,
    warnings,
    issues,
    issueCounts,
    tokens: { tokenizer: TOKENIZER, distribution: tokenDistribution(scan.tokens) },
    labels: scan.labels,
    providers: providerChecks,
    usable: errors === 0,
  };
}
