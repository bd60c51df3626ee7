import { requireValue } from './grader-config-error.js';
import { type GraderHandler, quote, type SpecOf } from './grader-types.js';

export function normalise(text: string, spec: Omit<SpecOf<'equals'>, 'type' | 'value'>): string {
  let out = spec.unicode === 'none' ? text : text.normalize(spec.unicode);
  if (spec.ignorePunctuation) out = out.replace(/[\p{P}\p{S}]/gu, '');
  if (spec.collapseWhitespace) out = out.replace(/\s+/g, ' ');
  if (spec.trim) out = out.trim();
  if (spec.ignoreCase) out = out.toLowerCase();
  return out;
}

export const equals: GraderHandler<'equals'> = (output, testCase, spec) => {
  const expected = String(requireValue(spec.value, testCase.expected, 'equals'));
  const pass = normalise(output, spec) === normalise(expected, spec);
  return {
    pass,
    score: pass ? 1 : 0,
    reason: pass
      ? `output equals ${quote(expected)}`
      : `output ${quote(output)} ≠ expected ${quote(expected)}`,
  };
};
