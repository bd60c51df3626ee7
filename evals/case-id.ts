import { createHash } from 'node:crypto';
import { canonicalJson } from '../src/dataset/example.js';
import type { CaseInput } from './suite.js';

/** Stable id for a case without one: 16 hex digits of sha256 over its input and expected answer. */
export function caseId(input: CaseInput, expected: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ input, expected: expected ?? null }))
    .digest('hex')
    .slice(0, 16);
}
