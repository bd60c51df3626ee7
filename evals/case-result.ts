import type { GraderOutcome } from './graders/grade.js';
import type { CaseInput } from './suite.js';

export type CaseStatus = 'pass' | 'fail' | 'error';

/**
 * One line of `<out>/results.jsonl`: one (model, case, repeat), written once
 * when it finishes. `--resume` skips every key that already has a line.
 */
export interface CaseResult {
  model: string;
  id: string;
  /** 0-based repeat index (`--repeats k`). */
  repeat: number;
  category: string;
  status: CaseStatus;
  /** Why it passed, failed or errored, in words. */
  reason: string;
  input: CaseInput;
  expected?: string | number | boolean;
  output?: string;
  score?: number;
  graders?: GraderOutcome[];
  generator?: string;
  latencyMs?: number;
  tokens?: { input: number; output: number };
  /** USD, from the model's price; absent when the model has none. */
  cost?: number;
  /** Served from the disk cache. */
  cached?: boolean;
  /** Attempts made, retries included. */
  attempts?: number;
  /** The llm-judge calls made to grade this result (absent when no judge was called). */
  judge?: CaseJudgeUsage;
  /** Error code for `error` results (e.g. TIMEOUT, RATE_LIMIT). */
  errorCode?: string;
  finishedAt: string;
}

/** What llm-judge calls cost: tokens, and USD from the judge model's price (`priced` false when it has none). */
export interface JudgeUsage {
  calls: number;
  tokens: { input: number; output: number };
  cost: number;
  priced: boolean;
}

/** A case's judge usage, with the judge model(s) that graded it. */
export interface CaseJudgeUsage extends JudgeUsage {
  models: string[];
}

/** The resume key of a result or a planned run. */
export function resultKey(model: string, id: string, repeat: number): string {
  return `${model}\u0000${id}\u0000${repeat}`;
}
