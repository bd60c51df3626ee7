import { PolytuneError } from '../src/errors.js';
import type { GenerateRequest, Generation, Model } from '../src/provider.js';
import type { CaseJudgeUsage } from './case-result.js';
import type { GradeContext } from './graders/grader-types.js';
import { costOf, type ModelCalls } from './model-calls.js';
import type { RunEvalOptions } from './run-options.js';
import type { EvalCase } from './suite.js';

/**
 * The llm-judge side of a run: resolves the judge model a grader names (once
 * per ref), sends its calls through the run's cache and retry, and counts what
 * each case's judging cost, so the judge's tokens and dollars are in the run.
 */
export class JudgeCalls {
  private readonly resolved = new Map<string, Promise<Model>>();

  constructor(
    private readonly judge: RunEvalOptions['judge'],
    private readonly calls: ModelCalls,
  ) {}

  resolve(ref: string | undefined): Promise<Model> {
    const judge = this.judge;
    if (!judge) {
      return Promise.reject(
        new PolytuneError('INVALID_INPUT', 'An llm-judge grader needs a judge model.', {
          hint: 'Pass --judge <model ref>, or `judge` to runEval.',
          isRetryable: false,
        }),
      );
    }
    if (typeof judge !== 'function') return Promise.resolve(judge);
    const key = ref ?? '';
    let model = this.resolved.get(key);
    if (!model) {
      model = Promise.resolve(judge(ref));
      this.resolved.set(key, model);
    }
    return model;
  }

  /**
   * The judge a case's graders call, and the usage it piles up (`usage.calls` 0 until one is
   * made); undefined for a case without an llm-judge grader (most cases: nothing to allocate).
   */
  forCase(testCase: EvalCase, signal: AbortSignal): CaseJudging | undefined {
    if (!testCase.graders?.some((g) => g.type === 'llm-judge' || g.type === 'not-llm-judge'))
      return undefined;
    const usage: CaseJudgeUsage = {
      models: [],
      calls: 0,
      tokens: { input: 0, output: 0 },
      cost: 0,
      priced: false,
    };
    const judge = async (ref: string | undefined, request: GenerateRequest, judgeSignal?: AbortSignal) => {
      const model = await this.resolve(ref);
      const { generation } = await this.calls.generate(model, request, judgeSignal ?? signal);
      count(usage, model, generation);
      return generation;
    };
    return { judge, usage, signal };
  }
}

export interface CaseJudging {
  judge: NonNullable<GradeContext['judge']>;
  usage: CaseJudgeUsage;
  signal: AbortSignal;
}

function count(usage: CaseJudgeUsage, model: Model, generation: Generation): void {
  usage.calls++;
  if (!usage.models.includes(model.id)) usage.models.push(model.id);
  if (generation.usage) {
    usage.tokens.input += generation.usage.inputTokens;
    usage.tokens.output += generation.usage.outputTokens;
  }
  const cost = costOf(model, generation.usage);
  if (cost !== undefined) {
    usage.cost += cost;
    usage.priced = true;
  }
}
