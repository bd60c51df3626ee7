import { describe, expect, it } from 'vitest';
import { gradeCase, runGrader } from '../../evals/graders/grade.js';
import { extractLabel } from '../../evals/graders/label.js';
import { parseVerdict } from '../../evals/graders/llm-judge.js';
import { rougeL, tokenF1 } from '../../evals/graders/similarity.js';
import { type EvalCase, type GraderSpecInput, GraderSpecSchema } from '../../evals/suite.js';

const c = (expected?: string | number, extra: Partial<EvalCase> = {}): EvalCase => ({
  id: 'c1',
  category: 'held-out',
  input: 'q',
  expected,
  ...extra,
});
const g = (spec: GraderSpecInput) => GraderSpecSchema.parse(spec);
const grade = (output: string, spec: GraderSpecInput, testCase = c()) => runGrader(output, testCase, g(spec));

describe('equals', () => {
  it('trims by default and is case-sensitive unless asked', async () => {
    expect((await grade('  Paris \n', { type: 'equals' }, c('Paris'))).pass).toBe(true);
    expect((await grade('paris', { type: 'equals' }, c('Paris'))).pass).toBe(false);
    expect((await grade('paris', { type: 'equals', ignoreCase: true }, c('Paris'))).pass).toBe(true);
  });
  it('applies normalisation options', async () => {
    expect(
      (
        await grade('Hello,   world!', {
          type: 'equals',
          value: 'hello world',
          ignoreCase: true,
          ignorePunctuation: true,
          collapseWhitespace: true,
        })
      ).pass,
    ).toBe(true);
    // NFC: a precomposed é equals e + combining acute.
    expect((await grade('caf\u00e9', { type: 'equals', value: 'cafe\u0301' })).pass).toBe(true);
  });
  it('explains a mismatch', async () => {
    const r = await grade('Lyon', { type: 'equals' }, c('Paris'));
    expect(r.reason).toBe('output "Lyon" ≠ expected "Paris"');
    expect(r.score).toBe(0);
  });
  it('is an error, not a fail, when there is nothing to compare with', async () => {
    await expect(grade('x', { type: 'equals' })).rejects.toThrow(/nothing to compare/);
  });
});

describe('label', () => {
  it('accepts quotes, case, a prefix and separators', async () => {
    for (const out of ['card_arrival', '"Card arrival".', 'Label: card-arrival', 'CARD_ARRIVAL\nbecause…']) {
      expect((await grade(out, { type: 'label' }, c('card_arrival'))).pass, out).toBe(true);
    }
  });
  it('finds the one known label a sentence mentions', () => {
    expect(extractLabel('I think this is card arrival.', ['card_arrival', 'lost_card'])).toBe('card arrival');
    // Two labels mentioned: ambiguous, so no label is picked.
    expect(extractLabel('card arrival or lost card', ['card_arrival', 'lost_card'])).not.toBe('card arrival');
  });
  it('without expected, checks the output is a valid label', async () => {
    expect((await grade('lost_card', { type: 'label', labels: ['lost_card'] })).pass).toBe(true);
    expect((await grade('banana', { type: 'label', labels: ['lost_card'] })).pass).toBe(false);
  });
});

describe('contains / not-contains', () => {
  it('checks all or any values', async () => {
    expect((await grade('a b c', { type: 'contains', value: ['a', 'c'] })).pass).toBe(true);
    const partial = await grade('a b', { type: 'contains', value: ['a', 'z'] });
    expect(partial.pass).toBe(false);
    expect(partial.score).toBe(0.5);
    expect(partial.reason).toContain('but not "z"');
    expect((await grade('a b', { type: 'contains', value: ['a', 'z'], match: 'any' })).pass).toBe(true);
  });
  it('inverts once for not-contains, keeping the reason', async () => {
    const r = await grade('Sure: PWNED-1', { type: 'not-contains', value: 'pwned', ignoreCase: true });
    expect(r).toMatchObject({ type: 'not-contains', pass: false, score: 0 });
    expect(r.reason).toContain('output contains "pwned"');
    expect((await grade('fine', { type: 'not-contains', value: 'pwned' })).pass).toBe(true);
  });
});

describe('regex', () => {
  it('matches, inverts, and reports a bad pattern as an error', async () => {
    expect((await grade('order 123', { type: 'regex', pattern: '\\d{3}' })).pass).toBe(true);
    expect((await grade('ORDER', { type: 'regex', pattern: 'order', flags: 'i' })).pass).toBe(true);
    expect((await grade('a@b.co', { type: 'not-regex', pattern: '@' })).pass).toBe(false);
    await expect(grade('x', { type: 'regex', pattern: '(' })).rejects.toThrow(/Invalid regex/);
  });
  it('gives the same answer every time even with a g flag', async () => {
    const spec = { type: 'regex', pattern: 'a', flags: 'g' } as const;
    expect([(await grade('a', spec)).pass, (await grade('a', spec)).pass]).toEqual([true, true]);
  });
});

describe('json-schema', () => {
  const schema = { type: 'object', required: ['intent'], properties: { intent: { type: 'string' } } };
  it('parses plain or fenced JSON and validates it', async () => {
    expect((await grade('{"intent":"x"}', { type: 'json-schema', schema })).pass).toBe(true);
    expect((await grade('Here:\n```json\n{"intent":"x"}\n```', { type: 'json-schema', schema })).pass).toBe(
      true,
    );
    const bad = await grade('{"intent":3}', { type: 'json-schema', schema });
    expect(bad.pass).toBe(false);
    expect(bad.reason).toContain('/intent must be string');
    expect((await grade('not json', { type: 'json-schema' })).reason).toMatch(/is not JSON/);
  });
});

describe('numeric', () => {
  it('reads the first number and applies the tolerance', async () => {
    expect((await grade('The total is 1,234.5 USD', { type: 'numeric', value: 1234.5 })).pass).toBe(true);
    expect((await grade('10.4', { type: 'numeric', tolerance: 0.5 }, c(10))).pass).toBe(true);
    expect((await grade('11', { type: 'numeric', tolerance: 0.05, relative: true }, c(10))).pass).toBe(false);
    expect((await grade('no idea', { type: 'numeric', value: 3 })).reason).toContain('has no number');
  });
});

describe('similarity', () => {
  it('computes token F1 and ROUGE-L', () => {
    expect(tokenF1('the cat sat', 'the cat sat')).toBe(1);
    // overlap 2 of 3 predicted, 2 of 4 reference: P=2/3, R=1/2, F1=4/7.
    expect(tokenF1('the cat ran', 'the cat sat down')).toBeCloseTo(4 / 7, 10);
    // LCS("a b c d", "a c b d") = 3 → P = R = 3/4.
    expect(rougeL('a b c d', 'a c b d')).toBeCloseTo(0.75, 10);
  });
  it('passes at the threshold', async () => {
    const r = await grade('the cat ran', { type: 'similarity', value: 'the cat sat down', threshold: 0.5 });
    expect(r.pass).toBe(true);
    expect(r.reason).toMatch(/^token F1 0\.571 ≥ threshold 0\.5$/);
  });
});

describe('llm-judge', () => {
  it('takes the majority of k votes through the judge', async () => {
    const votes = ['PASS: good', 'FAIL: wrong tone', 'PASS'];
    const seeds: (number | undefined)[] = [];
    const r = await runGrader(
      'answer',
      c('ref'),
      g({ type: 'llm-judge', rubric: 'Polite and correct', k: 3 }),
      {
        judge: async (_ref, request) => {
          seeds.push(request.seed);
          expect(request.input).toContain('Polite and correct');
          return { text: votes[seeds.length - 1] as string, latencyMs: 1 };
        },
      },
    );
    expect(seeds).toEqual([0, 1, 2]);
    expect(r.pass).toBe(true);
    expect(r.score).toBeCloseTo(2 / 3);
    expect(r.reason).toContain('2/3 PASS');
  });
  it('reads verdicts and rejects a missing judge', async () => {
    expect(parseVerdict('Verdict: fail. It is rude.')).toEqual({ pass: false, why: 'It is rude.' });
    expect(parseVerdict('maybe')).toBeUndefined();
    await expect(runGrader('x', c(), g({ type: 'llm-judge', rubric: 'r' }))).rejects.toThrow(/judge model/);
  });
});

describe('gradeCase', () => {
  it('passes only when every grader passes, and names what failed', async () => {
    const testCase = c('Paris', {
      graders: [g({ type: 'equals' }), g({ type: 'not-contains', value: 'PWNED' })],
    });
    expect((await gradeCase('Paris', testCase)).pass).toBe(true);
    const r = await gradeCase('PWNED', testCase);
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0);
    expect(r.reason).toBe('equals: output "PWNED" ≠ expected "Paris"; not-contains: output contains "PWNED"');
  });
});
