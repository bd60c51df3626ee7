import { type GraderHandler, quote } from './grader-types.js';

// Labels compare without case, surrounding quotes/punctuation, or the choice of `_`, `-` or space.
const key = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .replace(/^[\s"'`*.:;,([{]+|[\s"'`*.:;,)\]}]+$/g, '')
    .trim();

/** The label a model answered: the whole output, else after a `label:` prefix, else the one known label it mentions. */
export function extractLabel(output: string, labels?: readonly string[]): string {
  const whole = key(
    output.replace(/^\s*(?:label|answer|category|intent)\s*[:=-]\s*/i, '').split('\n')[0] ?? '',
  );
  if (!labels || labels.length === 0) return whole;
  const exact = labels.find((l) => key(l) === whole);
  if (exact !== undefined) return key(exact);
  const text = ` ${key(output).replace(/[^\p{L}\p{N} ]+/gu, ' ')} `;
  const mentioned = labels.filter((l) => text.includes(` ${key(l)} `));
  return mentioned.length === 1 ? key(mentioned[0] as string) : whole;
}

export const label: GraderHandler<'label'> = (output, testCase, spec) => {
  const expected = spec.value ?? testCase.expected;
  const got = extractLabel(output, spec.labels);
  if (expected === undefined) {
    // No expected answer: the output only has to be one of the valid labels.
    const valid = (spec.labels ?? []).some((l) => key(l) === got);
    return {
      pass: valid,
      score: valid ? 1 : 0,
      reason: valid
        ? `output is the valid label ${quote(got)}`
        : `output ${quote(output)} is not one of the ${spec.labels?.length ?? 0} valid labels`,
    };
  }
  const pass = got === key(String(expected));
  return {
    pass,
    score: pass ? 1 : 0,
    reason: pass
      ? `label ${quote(String(expected))}`
      : `label ${quote(got || output)} ≠ expected ${quote(String(expected))}`,
  };
};
