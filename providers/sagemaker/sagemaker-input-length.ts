import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { TOKENIZER, textTokens } from '../../src/dataset/token-count.js';
import type { Issue } from '../../src/provider.js';
import type { HubModelDocument } from './jumpstart-document.js';

/**
 * `max_input_length` from the data: JumpStart's default (-1) means
 * min(1024, the tokenizer's maximum), so longer examples are cut without a
 * word. polytune sets it to the longest training example (capped by the
 * model's limit) and names, by line, the examples that would still be cut.
 * Counts use o200k_base, an approximation of the model's own tokenizer.
 */
const MAX_INPUT_LENGTH = 'max_input_length';
/** Lines named one by one; the rest are counted. */
const MAX_LINES_NAMED = 10;

/** The model's own limit: the hyperparameter's Max, else the hosting MAX_TOTAL_TOKENS. */
export function modelTokenLimit(document: HubModelDocument): number | undefined {
  const max = document.Hyperparameters.find((h) => h.Name === MAX_INPUT_LENGTH)?.Max;
  if (max !== undefined && max > 0) return max;
  const total = document.InferenceEnvironmentVariables.find((v) => v.Name === 'MAX_TOTAL_TOKENS')?.Default;
  const n = Number(total);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Tokens of every string in a compiled row (instruction/response or dialog contents). */
function rowTokens(line: string): number {
  const strings: string[] = [];
  JSON.parse(line, (_key, value) => {
    if (typeof value === 'string') strings.push(value);
    return value;
  });
  return textTokens(strings.join('\n'));
}

export interface InputLengthResult {
  /** The value to send, when polytune chose it (the user did not). */
  value?: string;
  issues: Issue[];
}

/** Reads the compiled training rows; `userValue` is what `--hyperparameter max_input_length` set. */
export async function planInputLength(
  document: HubModelDocument,
  data: PreparedData,
  userValue?: string,
): Promise<InputLengthResult> {
  if (!document.Hyperparameters.some((h) => h.Name === MAX_INPUT_LENGTH)) return { issues: [] };
  const compiled = data.manifest.compiled.sagemaker?.train.file;
  if (!compiled) return { issues: [] };
  const counts: number[] = [];
  const lines = createInterface({ input: createReadStream(join(data.dir, compiled)), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) counts.push(rowTokens(line));
  const longest = Math.max(0, ...counts);
  const limit = modelTokenLimit(document);
  const chosen = userValue !== undefined && Number(userValue) > 0 ? Number(userValue) : undefined;
  const cap = chosen ?? (limit === undefined ? longest : Math.min(longest, limit));
  const cut = counts.flatMap((n, i) => (n > cap ? [{ line: i + 1, tokens: n }] : []));
  const issues: Issue[] = cut.slice(0, MAX_LINES_NAMED).map(({ line, tokens }) => ({
    severity: 'warning',
    code: 'TRUNCATED',
    message: `about ${tokens} tokens (${TOKENIZER}); max_input_length ${cap} cuts it`,
    file: compiled,
    line,
  }));
  if (cut.length > MAX_LINES_NAMED) {
    issues.push({
      severity: 'warning',
      code: 'TRUNCATED',
      message: `${cut.length - MAX_LINES_NAMED} more training examples exceed max_input_length ${cap}.`,
      file: compiled,
    });
  }
  return { ...(chosen === undefined && cap > 0 ? { value: String(cap) } : {}), issues };
}
