/**
 * A finding about one record (or the whole dataset when `line` is absent).
 * Errors make a record unusable; warnings are worth reading but do not block.
 */
export type IssueSeverity = 'error' | 'warning';

export interface DatasetIssue {
  severity: IssueSeverity;
  /** Stable code; the cookbook's names where it has one (`missing_content`, …). */
  code: string;
  message: string;
  file: string;
  line?: number;
  /** The provider the finding is about (token limits, minimum sizes). */
  provider?: string;
}

/** `file:line: message` (or `file: message` for dataset-wide findings). */
export function formatIssue(issue: DatasetIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const who = issue.provider ? ` [${issue.provider}]` : '';
  return `${where}: ${issue.severity}${who}: ${issue.message} (${issue.code})`;
}
