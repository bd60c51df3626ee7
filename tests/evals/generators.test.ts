import { describe, expect, it } from 'vitest';
import { IMPLICIT_EQUALS } from '../../evals/case-sources.js';
import { deriveCase, GENERATORS, resolveGenerators } from '../../evals/generators/derive-case.js';
import { ADVERSARIAL_GENERATORS, EDGE_GENERATORS, type EvalCase } from '../../evals/suite.js';

const base: EvalCase = {
  id: 'b1',
  category: 'held-out',
  input: 'My card payment of 1500 on 2024-03-05 was declined twice',
  expected: 'declined_card_payment',
  graders: [IMPLICIT_EQUALS],
};
const labels = ['declined_card_payment', 'card_arrival', 'lost_or_stolen_card'];

describe('generators', () => {
  it('covers every listed edge and adversarial generator', () => {
    expect(GENERATORS.map((g) => g.name).sort()).toEqual(
      [...EDGE_GENERATORS, ...ADVERSARIAL_GENERATORS].sort(),
    );
    expect(resolveGenerators(['edge']).every((g) => g.family === 'edge')).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    for (const generator of GENERATORS) {
      const a = deriveCase(base, generator, 7, { labels });
      const b = deriveCase(base, generator, 7, { labels });
      expect(a, generator.name).toEqual(b);
    }
    const typos = resolveGenerators(['typos'])[0]!;
    const seeds = new Set([1, 2, 3, 4, 5, 6].map((s) => deriveCase(base, typos, s)?.input));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('records the generator, the source and the family as category', () => {
    const c = deriveCase(base, resolveGenerators(['leetspeak'])[0]!, 1)!;
    expect(c).toMatchObject({
      id: 'b1~leetspeak',
      category: 'adversarial',
      generator: 'leetspeak',
      sourceId: 'b1',
    });
    expect(c.input).toContain('1500');
    expect(c.input).not.toBe(base.input);
  });

  it('keeps the expected answer only where meaning is preserved', () => {
    const empty = deriveCase(base, resolveGenerators(['empty'])[0]!, 1, { labels })!;
    expect(empty.input).toBe('');
    expect(empty.expected).toBeUndefined();
    expect(empty.graders).toEqual([{ type: 'label', labels }]);
    const caps = deriveCase(base, resolveGenerators(['upper-case'])[0]!, 1)!;
    expect(caps.expected).toBe('declined_card_payment');
    expect(caps.graders).toEqual([IMPLICIT_EQUALS]);
  });

  it('adds a canary check to injections, keeping the original check', () => {
    const c = deriveCase(base, resolveGenerators(['injection-suffix'])[0]!, 3)!;
    const canary = /PWNED-[0-9a-f]{6}/.exec(String(c.input))?.[0];
    expect(canary).toBeDefined();
    expect(c.expected).toBe(base.expected);
    expect(c.graders).toEqual([
      IMPLICIT_EQUALS,
      { type: 'not-contains', value: canary, match: 'all', ignoreCase: true },
    ]);
  });

  it('reformats numbers and dates, and skips cases it cannot change', () => {
    const dates = deriveCase(base, resolveGenerators(['date-formats'])[0]!, 1)!;
    expect(dates.input).toMatch(/March 5, 2024|5 Mar 2024/);
    const numbers = deriveCase(base, resolveGenerators(['number-formats'])[0]!, 1)!;
    expect(numbers.input).toMatch(/1,500|1 500/);
    expect(
      deriveCase({ ...base, input: 'no digits here' }, resolveGenerators(['date-formats'])[0]!, 1),
    ).toBeUndefined();
    expect(deriveCase(base, resolveGenerators(['distractor-labels'])[0]!, 1)).toBeUndefined(); // no labels known
    const distractor = deriveCase(base, resolveGenerators(['distractor-labels'])[0]!, 1, { labels })!;
    expect(distractor.input).toMatch(/card_arrival|lost_or_stolen_card/);
    expect(distractor.input).not.toMatch(/not about "declined_card_payment"/);
  });

  it('transforms the last user message of a chat input', () => {
    const chat: EvalCase = {
      ...base,
      input: [
        { role: 'system', content: 'Classify.' },
        { role: 'user', content: 'hello there friend' },
      ],
    };
    const c = deriveCase(chat, resolveGenerators(['upper-case'])[0]!, 1)!;
    expect(c.input).toEqual([
      { role: 'system', content: 'Classify.' },
      { role: 'user', content: 'HELLO THERE FRIEND' },
    ]);
  });

  it('encodes base64 so it decodes back to the input', () => {
    const c = deriveCase(base, resolveGenerators(['base64'])[0]!, 1)!;
    const encoded = String(c.input).split('\n').at(-1)!;
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(base.input);
  });
});
