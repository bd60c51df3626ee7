import { PolytuneError } from '../../src/errors.js';

/** A grader that cannot grade (no value to compare with, bad regex): the case ends as `error`, not `fail`. */
export function graderConfigError(message: string, hint: string): PolytuneError {
  return new PolytuneError('INVALID_INPUT', message, { hint, isRetryable: false });
}

/** The value a grader compares with: its own `value`, else the case's `expected`. */
export function requireValue<T>(
  value: T | undefined,
  expected: unknown,
  grader: string,
): T | string | number | boolean {
  if (value !== undefined) return value;
  if (expected !== undefined) return expected as string | number | boolean;
  throw graderConfigError(
    `The ${grader} grader has nothing to compare with.`,
    `Give the case an \`expected\` answer or the grader a \`value\`.`,
  );
}
