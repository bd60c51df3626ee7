import { graderConfigError } from './grader-config-error.js';
import { type GraderHandler, quote } from './grader-types.js';

/** The first number in the text: `-1,234.5`, `3e-2`, `1 000` are all read. */
export function firstNumber(text: string): number | undefined {
  const match = /-?\d{1,3}(?:[, \u00a0]\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|-?\.\d+/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[0].replace(/[, \u00a0]/g, ''));
  return Number.isFinite(value) ? value : undefined;
}

export const numeric: GraderHandler<'numeric'> = (output, testCase, spec) => {
  const raw = spec.value ?? testCase.expected;
  const expected = typeof raw === 'number' ? raw : typeof raw === 'string' ? firstNumber(raw) : undefined;
  if (expected === undefined) {
    throw graderConfigError(
      'The numeric grader has no number to compare with.',
      'Give the case a numeric `expected` or the grader a `value`.',
    );
  }
  const got = firstNumber(output);
  if (got === undefined)
    return { pass: false, score: 0, reason: `output ${quote(output)} has no number (expected ${expected})` };
  const allowed = spec.relative ? spec.tolerance * Math.abs(expected) : spec.tolerance;
  const diff = Math.abs(got - expected);
  const pass = diff <= allowed + Number.EPSILON * Math.max(1, Math.abs(expected));
  return {
    pass,
    score: pass ? 1 : 0,
    reason: `output ${got} vs expected ${expected}: |diff| ${+diff.toPrecision(6)} ${pass ? '≤' : '>'} tolerance ${+allowed.toPrecision(6)}`,
  };
};
