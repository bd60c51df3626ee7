import type { EvalCase, GraderFamily, GraderSpec } from '../suite.js';
import { contains } from './contains.js';
import { equals } from './equals.js';
import type { GradeContext, GradeResult, GraderHandler } from './grader-types.js';
import { jsonSchema } from './json-schema.js';
import { label } from './label.js';
import { llmJudge } from './llm-judge.js';
import { numeric } from './numeric.js';
import { regex } from './regex.js';
import { similarity } from './similarity.js';

// Exhaustive: adding a family to GRADER_FAMILIES without a handler does not compile.
const HANDLERS: { [F in GraderFamily]: GraderHandler<F> } = {
  equals,
  label,
  contains,
  regex,
  'json-schema': jsonSchema,
  numeric,
  similarity,
  'llm-judge': llmJudge,
};

export interface GraderOutcome extends GradeResult {
  type: GraderSpec['type'];
}

export interface CaseGrade {
  pass: boolean;
  score: number;
  reason: string;
  graders: GraderOutcome[];
}

/** Runs one grader; `not-<family>` inverts pass and score here, and only here. */
export async function runGrader(
  output: string,
  testCase: EvalCase,
  spec: GraderSpec,
  context: GradeContext = {},
): Promise<GraderOutcome> {
  const negated = spec.type.startsWith('not-');
  const family = (negated ? spec.type.slice(4) : spec.type) as GraderFamily;
  const handler = HANDLERS[family] as GraderHandler<GraderFamily>;
  const result = await handler(output, testCase, spec as never, context);
  if (!negated) return { type: spec.type, ...result };
  return { type: spec.type, pass: !result.pass, score: 1 - result.score, reason: result.reason };
}

/**
 * Grades one output with every grader of the case: it passes when all pass;
 * the score is their mean; the reason names what failed. Throws when a grader
 * cannot grade (a configuration error); the runner records that as `error`.
 */
export async function gradeCase(
  output: string,
  testCase: EvalCase,
  context: GradeContext = {},
): Promise<CaseGrade> {
  const specs = testCase.graders ?? [];
  const graders: GraderOutcome[] = [];
  for (const spec of specs) graders.push(await runGrader(output, testCase, spec, context));
  const failed = graders.filter((g) => !g.pass);
  const score = graders.length ? graders.reduce((sum, g) => sum + g.score, 0) / graders.length : 0;
  return {
    pass: failed.length === 0,
    score,
    reason:
      failed.length === 0
        ? graders.length === 1
          ? `${graders[0]?.type}: ${graders[0]?.reason}`
          : `all ${graders.length} graders passed`
        : failed.map((g) => `${g.type}: ${g.reason}`).join('; '),
    graders,
  };
}
