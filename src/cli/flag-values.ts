import { PolytuneError } from '../errors.js';

/** Commander reducer for a repeatable flag (`--model a --model b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** An optional whole-number flag of 1 and up, with a usage error naming the flag. */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new PolytuneError(
      'USAGE',
      `Expected ${name} to be an integer from 1 and up, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}
