import type { RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import { escapeXml, inputText } from './escape.js';

/**
 * junit.xml, written in pieces so results are streamed: one testsuite per
 * (model, category), one testcase per result; a failure or error carries the
 * reason as its message and the output in its body.
 */
export function junitOpen(summary: RunSummary, suiteName: string): string {
  const tests = summary.models.reduce((n, m) => n + m.n, 0);
  const failures = summary.models.reduce((n, m) => n + m.failed, 0);
  const errors = summary.models.reduce((n, m) => n + m.errored, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeXml(suiteName)}" tests="${tests}" failures="${failures}" errors="${errors}">\n`;
}

export function junitSuiteOpen(
  model: string,
  category: string,
  counts: { n: number; failed: number; errored: number },
  multiModel: boolean,
  time: number,
): string {
  const name = multiModel ? `${model} / ${category}` : category;
  return ` <testsuite name="${escapeXml(name)}" tests="${counts.n}" failures="${counts.failed}" errors="${counts.errored}" skipped="0" time="${(time / 1000).toFixed(3)}">\n`;
}

export function junitCase(result: CaseResult, multiModel: boolean): string {
  const name = result.repeat > 0 ? `${result.id} #${result.repeat + 1}` : result.id;
  const classname = multiModel ? `${result.model}.${result.category}` : result.category;
  const time = ((result.latencyMs ?? 0) / 1000).toFixed(3);
  const open = `  <testcase name="${escapeXml(name)}" classname="${escapeXml(classname)}" time="${time}"`;
  if (result.status === 'pass') return `${open}/>\n`;
  const tag = result.status === 'error' ? 'error' : 'failure';
  const body = [
    `input: ${inputText(result.input)}`,
    result.expected !== undefined ? `expected: ${String(result.expected)}` : '',
    result.output !== undefined ? `output: ${result.output}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const type = result.status === 'error' ? (result.errorCode ?? 'ERROR') : (result.generator ?? 'assertion');
  return `${open}>\n   <${tag} message="${escapeXml(result.reason)}" type="${escapeXml(type)}">${escapeXml(body)}</${tag}>\n  </testcase>\n`;
}

export const JUNIT_SUITE_CLOSE = ' </testsuite>\n';
export const JUNIT_CLOSE = '</testsuites>\n';
