import { isPolytuneError, PolytuneError } from '../src/errors.js';
import type { GenerateRequest, Generation, Model } from '../src/provider.js';
import { redact } from '../src/redact.js';
import type { CaseDeadlines } from './case-deadlines.js';
import type { CaseResult } from './case-result.js';
import type { EvalEvent } from './eval-events.js';
import { gradeCase } from './graders/grade.js';
import type { CaseJudging, JudgeCalls } from './judge-calls.js';
import { costOf, type ModelCalls } from './model-calls.js';
import type { EvalCase, Suite } from './suite.js';

/** The request sent for a case: the suite's system message first, then the case input, with the suite's parameters. */
export function buildRequest(testCase: EvalCase, suite: Suite): GenerateRequest {
  const { input } = testCase;
  let requestInput: GenerateRequest['input'] = input;
  if (suite.system !== undefined) {
    requestInput =
      typeof input === 'string'
        ? [
            { role: 'system', content: suite.system },
            { role: 'user', content: input },
          ]
        : input[0]?.role === 'system'
          ? input
          : [{ role: 'system', content: suite.system }, ...input];
  }
  // Plain assignments in a fixed order (the cache key reads them): this runs once per case.
  const g = suite.generation;
  const request: GenerateRequest = { input: requestInput };
  if (g.maxTokens !== undefined) request.maxTokens = g.maxTokens;
  request.temperature = g.temperature;
  if (g.topP !== undefined) request.topP = g.topP;
  if (g.stop !== undefined) request.stop = g.stop;
  if (g.seed !== undefined) request.seed = g.seed;
  return request;
}

/** The request for one repeat: repeats of a case are distinct samples, so they must not share a cache entry. */
export function repeatRequest(testCase: EvalCase, suite: Suite, repeat: number): GenerateRequest {
  const request = buildRequest(testCase, suite);
  return repeat > 0 ? { ...request, seed: (request.seed ?? 0) + repeat } : request;
}

export function describeError(error: unknown): { code: string; reason: string } {
  if (isPolytuneError(error)) {
    return {
      code: error.code,
      reason: redact(`${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'PROVIDER', reason: redact(`model error: ${message}`) };
}

/** The line a case starts as; `status`, `reason` and `finishedAt` are filled in when it ends. */
export function startResult(model: Model, testCase: EvalCase, repeat: number): CaseResult {
  // Plain assignments, not conditional spreads: this runs once per case and object spreads are slow.
  const result = {
    model: model.id,
    id: testCase.id,
    repeat,
    category: testCase.category,
    input: testCase.input,
  } as CaseResult;
  if (testCase.expected !== undefined) result.expected = testCase.expected;
  if (testCase.generator) result.generator = testCase.generator;
  return result;
}

/** A case with nothing to grade it by ends as an error without a model call. */
export function ungradable(testCase: EvalCase): string | undefined {
  return testCase.graders && testCase.graders.length > 0
    ? undefined
    : 'no grader: the case has no `expected` answer and no graders (add either, or suite `graders`)';
}

export interface CaseRunnerDeps {
  suite: Suite;
  calls: ModelCalls;
  judges: JudgeCalls;
  deadlines: CaseDeadlines;
  emit: (event: EvalEvent) => void;
  now: () => number;
}

/**
 * Grades a model's answer into the case's line: pass or fail, score, tokens,
 * cost, and what judging it cost. An executor that got the answer another way
 * (a batch API) calls this too. Throws when a grader cannot grade.
 */
export async function gradeInto(
  result: CaseResult,
  model: Model,
  testCase: EvalCase,
  generation: Generation,
  signal: AbortSignal,
  judging: CaseJudging | undefined,
): Promise<CaseResult> {
  const grade = await gradeCase(
    generation.text,
    testCase,
    judging ? { signal, judge: judging.judge } : { signal },
  );
  const usage = generation.usage;
  result.status = grade.pass ? 'pass' : 'fail';
  result.reason = grade.reason;
  result.output = generation.text;
  result.score = grade.score;
  result.graders = grade.graders;
  result.latencyMs = generation.latencyMs;
  if (usage) result.tokens = { input: usage.inputTokens, output: usage.outputTokens };
  const cost = costOf(model, usage);
  if (cost !== undefined) result.cost = cost;
  if (judging && judging.usage.calls > 0) result.judge = judging.usage;
  return result;
}

/** Ends a line as an error: the code and reason, and the answer when one came back before the failure. */
function failInto(result: CaseResult, error: unknown, attempts: number, generation?: Generation): void {
  const { code, reason } = describeError(error);
  result.status = 'error';
  result.errorCode = code;
  result.reason = attempts > 1 ? `${reason} (after ${attempts} attempts)` : reason;
  if (generation) {
    result.output = generation.text;
    result.latencyMs = generation.latencyMs;
  }
}

/**
 * The line for an answer an executor obtained another way (a batch API): graded,
 * or an error line when it cannot be graded. Never throws.
 */
export async function gradeAnswer(
  model: Model,
  testCase: EvalCase,
  repeat: number,
  generation: Generation,
  deps: { judges: JudgeCalls; signal: AbortSignal; now: () => number },
): Promise<CaseResult> {
  const result = startResult(model, testCase, repeat);
  const judging = deps.judges.forCase(testCase, deps.signal);
  const missing = ungradable(testCase);
  try {
    if (missing) throw new PolytuneError('INVALID_INPUT', missing, { isRetryable: false });
    await gradeInto(result, model, testCase, generation, deps.signal, judging);
  } catch (error) {
    failInto(result, error, 1, generation);
    if (judging && judging.usage.calls > 0) result.judge = judging.usage;
  }
  result.finishedAt = new Date(deps.now()).toISOString();
  return result;
}

/**
 * The online path for one (model, case, repeat): the model call (cache, retry,
 * deadline), the grading (judge included), and the line that records it. It
 * never throws: a failure is an `error` line with a code and a reason.
 */
export function createCaseRunner(deps: CaseRunnerDeps) {
  const { suite, calls, judges, deadlines, emit, now } = deps;
  return async (model: Model, testCase: EvalCase, repeat: number): Promise<CaseResult> => {
    const result = startResult(model, testCase, repeat);
    const missing = ungradable(testCase);
    if (missing) {
      result.status = 'error';
      result.errorCode = 'INVALID_INPUT';
      result.reason = missing;
      result.finishedAt = new Date(now()).toISOString();
      return result;
    }
    const deadline = deadlines.start();
    const signal = deadline.signal;
    const tally = { attempts: 0 };
    const judging = judges.forCase(testCase, signal);
    let generation: Generation | undefined;
    let cached = false;
    try {
      const onRetry = (attempt: number, delayMs: number, error: unknown) =>
        emit({
          type: 'retry',
          model: model.id,
          id: testCase.id,
          attempt,
          delayMs,
          reason: describeError(error).reason,
        });
      const call = await calls.generate(
        model,
        repeatRequest(testCase, suite, repeat),
        signal,
        onRetry,
        tally,
      );
      generation = call.generation;
      cached = call.cached;
      await gradeInto(result, model, testCase, generation, signal, judging);
    } catch (error) {
      failInto(result, deadline.timedOut() ? deadline.reason() : error, tally.attempts, generation);
      if (judging && judging.usage.calls > 0) result.judge = judging.usage;
    } finally {
      deadline.done();
    }
    result.cached = cached;
    result.attempts = tally.attempts;
    result.finishedAt = new Date(now()).toISOString();
    return result;
  };
}
