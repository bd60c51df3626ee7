import type { CaseResult } from '../case-result.js';
import type { EvalCase } from '../suite.js';

/** The result line of a case the batch service failed, when failed lines are reported (`failedLines: 'error'`). */
export function batchErrorResult(
  model: string,
  testCase: EvalCase,
  repeat: number,
  error: { code: string; message: string },
  at: string,
): CaseResult {
  const result: CaseResult = {
    model,
    id: testCase.id,
    repeat,
    category: testCase.category,
    input: testCase.input,
    status: 'error',
    errorCode: 'BATCH',
    reason: `the batch service failed this request (${error.code}): ${error.message}`,
    finishedAt: at,
  };
  if (testCase.expected !== undefined) result.expected = testCase.expected;
  if (testCase.generator) result.generator = testCase.generator;
  return result;
}
