import { appendFile, readFile } from 'node:fs/promises';
import { redact } from '../redact.js';

/**
 * GitHub Actions' job summary: when GITHUB_STEP_SUMMARY names a file, markdown
 * appended to it shows on the run's page ("Adding a job summary" in GitHub's
 * workflow-commands documentation, as quoted by third parties; the page itself
 * was not reachable here, read 2026-12-06). Nothing happens elsewhere.
 */
export async function appendStepSummary(markdownFile: string): Promise<void> {
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (!target) return;
  await appendStepSummaryText(await readFile(markdownFile, 'utf8'));
}

export async function appendStepSummaryText(markdown: string): Promise<void> {
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (!target) return;
  await appendFile(target, `${redact(markdown).trimEnd()}\n\n`);
}

/** True inside a GitHub Actions job, where `::error::` lines become annotations. */
export const inGitHubActions = () => process.env.GITHUB_ACTIONS === 'true';

/**
 * The text of a workflow command (`::error::<text>`), with the characters GitHub would read as syntax
 * escaped, as @actions/core's escapeData does (actions/toolkit packages/core/src/command.ts, read 2026-12-06).
 */
export function workflowCommandText(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
