import { createHash } from 'node:crypto';
import { PolytuneError } from '../../src/errors.js';
import type { GraderHandler } from './grader-types.js';

const inputText = (input: unknown) =>
  typeof input === 'string'
    ? input
    : (input as { role: string; content: string | null }[])
        .map((m) => `${m.role}: ${m.content ?? ''}`)
        .join('\n');

/** The judge's prompt: rubric, the case, the answer; it must begin its reply with PASS or FAIL. */
export function judgePrompt(rubric: string, input: unknown, output: string, expected: unknown): string {
  return [
    "You are grading an AI model's answer against a rubric.",
    `Rubric:\n${rubric}`,
    `Input given to the model:\n<<<\n${inputText(input)}\n>>>`,
    expected === undefined ? '' : `Reference answer:\n<<<\n${String(expected)}\n>>>`,
    `The model's answer:\n<<<\n${output}\n>>>`,
    'Reply with PASS or FAIL on the first line, then one sentence explaining why.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** How the judge is called: a greedy single vote, or k sampled votes. */
const JUDGE_CALL = { singleTemperature: 0, votingTemperature: 0.7, maxTokens: 200 } as const;

/**
 * sha256 of the judge prompt template (placeholders where the rubric, input, reference
 * and answer go) and the call settings: recorded in results.json so a change of either
 * is visible between two runs' grades.
 */
export const JUDGE_PROMPT_HASH = createHash('sha256')
  .update(judgePrompt('{{rubric}}', '{{input}}', '{{output}}', '{{expected}}'))
  .update(JSON.stringify(JUDGE_CALL))
  .digest('hex');

/** PASS, FAIL, or undefined when the judge said neither. */
export function parseVerdict(text: string): { pass: boolean; why: string } | undefined {
  const match = /\b(PASS|FAIL)\b/i.exec(text);
  if (!match) return undefined;
  const why =
    text
      .slice((match.index ?? 0) + match[0].length)
      .replace(/^[\s:.-]+/, '')
      .split('\n')[0]
      ?.trim() ?? '';
  return { pass: match[1]?.toUpperCase() === 'PASS', why };
}

export const llmJudge: GraderHandler<'llm-judge'> = async (output, testCase, spec, context) => {
  if (!context.judge) {
    throw new PolytuneError('INVALID_INPUT', 'The llm-judge grader needs a judge model.', {
      hint: 'Pass --judge <model ref> (or `judge` in the API), or name `model` in the grader.',
      isRetryable: false,
    });
  }
  const prompt = judgePrompt(spec.rubric, testCase.input, output, testCase.expected);
  let passes = 0;
  const reasons: string[] = [];
  for (let i = 0; i < spec.k; i++) {
    // Distinct seeds (and some temperature when k > 1) so k votes are k samples, each cached on its own.
    const generation = await context.judge(
      spec.model,
      {
        input: prompt,
        temperature: spec.k > 1 ? JUDGE_CALL.votingTemperature : JUDGE_CALL.singleTemperature,
        seed: i,
        maxTokens: JUDGE_CALL.maxTokens,
      },
      context.signal,
    );
    const verdict = parseVerdict(generation.text);
    if (verdict?.pass) passes++;
    reasons.push(
      verdict
        ? `${verdict.pass ? 'PASS' : 'FAIL'}${verdict.why ? `: ${verdict.why}` : ''}`
        : 'no verdict (judge answered neither PASS nor FAIL)',
    );
  }
  const pass = passes * 2 > spec.k;
  const reason =
    spec.k === 1 ? `judge: ${reasons[0]}` : `judge ${passes}/${spec.k} PASS (${reasons.join(' | ')})`;
  return { pass, score: passes / spec.k, reason };
};
