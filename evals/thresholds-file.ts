import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PolytuneError } from '../src/errors.js';
import { GATE_RULES, type GateRule } from './gate-rule.js';
import { describeZodIssues } from './suite-loader.js';

/** A thresholds file: a list of thresholds, or `{ thresholds, rule }` (`useInterval: true` is the old name of `rule: bound`). */
export const ThresholdsFileSchema = z.union([
  z.array(z.string()).min(1),
  z
    .object({
      thresholds: z.array(z.string()).min(1),
      /** `point` or `bound` (see `GateRule`). @default the suite's rule, else 'point' */
      rule: z.enum(GATE_RULES).optional(),
      /** @deprecated `rule: bound`. Gate on the interval's bound instead of the point estimate. @default false */
      useInterval: z.boolean().default(false),
    })
    .strict(),
]);

export async function loadThresholdsFile(
  file: string,
): Promise<{ thresholds: string[]; useInterval: boolean; rule?: GateRule }> {
  let raw: unknown;
  try {
    const text = await readFile(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read the thresholds file: ${(cause as Error).message}`, {
      file,
      cause,
      hint: 'Pass a YAML or JSON list such as ["passRate >= 0.9", "latency.p95 <= 800"].',
    });
  }
  const parsed = ThresholdsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolytuneError('INVALID_INPUT', `Invalid thresholds file:\n${describeZodIssues(parsed.error)}`, {
      file,
      hint: 'Write a list of thresholds, or { thresholds: [...], rule: bound }.',
    });
  }
  if (Array.isArray(parsed.data)) return { thresholds: parsed.data, useInterval: false };
  const { thresholds, useInterval, rule } = parsed.data;
  const chosen = rule ?? (useInterval ? 'bound' : undefined);
  return { thresholds, useInterval: chosen === 'bound', ...(chosen ? { rule: chosen } : {}) };
}
