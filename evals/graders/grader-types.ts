import type { GenerateRequest, Generation } from '../../src/provider.js';
import { redact } from '../../src/redact.js';
import type { EvalCase, GraderFamily, GraderSpec } from '../suite.js';

export interface GradeResult {
  pass: boolean;
  /** 0..1; 1 or 0 for yes/no graders. */
  score: number;
  /** A sentence a person reading a CI failure understands, e.g. `output "x" ≠ expected "y"`. */
  reason: string;
}

/** What a grader may call besides the output and the case: only the judge, for `llm-judge`. */
export interface GradeContext {
  /** Calls a judge model (through the runner's cache and retry); `model` is the grader's ref, if any. */
  judge?(model: string | undefined, request: GenerateRequest, signal?: AbortSignal): Promise<Generation>;
  signal?: AbortSignal;
}

/** The spec of one family, with its `not-` form. */
export type SpecOf<F extends GraderFamily> = Extract<GraderSpec, { type: F | `not-${F}` }>;

export type GraderHandler<F extends GraderFamily> = (
  output: string,
  testCase: EvalCase,
  spec: SpecOf<F>,
  context: GradeContext,
) => GradeResult | Promise<GradeResult>;

/**
 * Quotes a value for a reason, shortened so one failure stays one readable line.
 * Redacted before shortening: a secret cut in half no longer matches the redactor.
 */
export function quote(value: unknown, max = 120): string {
  const text = redact(typeof value === 'string' ? value : JSON.stringify(value));
  const short = text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  return JSON.stringify(short);
}
