import type { Generation, Model } from '../src/provider.js';
import type { CaseResult } from './case-result.js';
import type { EvalEvent } from './eval-events.js';
import type { EvalCase } from './suite.js';

/** One (case, repeat) a model still has to run. */
export interface PlannedCase {
  testCase: EvalCase;
  repeat: number;
}

/**
 * What an executor gets for one model: the seam another way of running cases
 * (e.g. a provider's batch API) plugs into, through `RunEvalOptions.executeModel`.
 */
export interface ModelExecution {
  model: Model;
  /** The (case, repeat) pairs this model still has to run. */
  cases: AsyncIterable<PlannedCase>;
  /** Writes one finished line to results.jsonl and the summary: exactly once per planned case. */
  record(result: CaseResult): Promise<void>;
  /** Grades an answer the executor obtained into the case's line (judge, cost, tokens included). */
  grade(testCase: EvalCase, repeat: number, generation: Generation): Promise<CaseResult>;
  /** Runs one case online (cache, retry, deadline), e.g. a line a batch service failed. */
  runOnline(testCase: EvalCase, repeat: number): Promise<CaseResult>;
  signal?: AbortSignal;
  emit(event: EvalEvent): void;
}

export type ExecuteModel = (execution: ModelExecution) => Promise<void>;
