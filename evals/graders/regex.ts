import { graderConfigError } from './grader-config-error.js';
import { type GraderHandler, quote } from './grader-types.js';

const compiled = new Map<string, RegExp>();

function compile(pattern: string, flags: string): RegExp {
  const cacheKey = `${flags}/${pattern}`;
  let re = compiled.get(cacheKey);
  if (!re) {
    try {
      // `g` and `y` make `test` stateful; a grader must give the same answer every time.
      re = new RegExp(pattern, flags.replace(/[gy]/g, ''));
    } catch (cause) {
      throw graderConfigError(
        `Invalid regex ${quote(pattern)}: ${(cause as Error).message}`,
        'Fix the pattern in the suite.',
      );
    }
    compiled.set(cacheKey, re);
  }
  return re;
}

export const regex: GraderHandler<'regex'> = (output, _testCase, spec) => {
  const match = compile(spec.pattern, spec.flags).exec(output);
  return match
    ? {
        pass: true,
        score: 1,
        reason: `output matches /${spec.pattern}/${spec.flags} at ${quote(match[0], 60)}`,
      }
    : {
        pass: false,
        score: 0,
        reason: `output ${quote(output)} does not match /${spec.pattern}/${spec.flags}`,
      };
};
