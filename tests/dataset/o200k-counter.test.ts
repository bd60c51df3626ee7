import { readFile } from 'node:fs/promises';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { asciiPieceEnd, countO200k, O200K_SPLIT } from '../../src/dataset/o200k-counter.js';

/** Every string value in a JSON document (JSONL lines or a CSV's raw cells are close enough). */
function strings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

describe('countO200k (the fast exact o200k_base counter)', () => {
  it("equals gpt-tokenizer's countTokens on every text of the fixture datasets", async () => {
    const texts: string[] = [];
    for (const f of ['toy_chat_fine_tuning.jsonl', 'dolly_first100.jsonl', 'drone_tool_calls_30.jsonl']) {
      const raw = await readFile(`fixtures/datasets/${f}`, 'utf8');
      for (const line of raw.split('\n')) if (line.trim()) strings(JSON.parse(line), texts);
    }
    for (const f of ['banking77_train_300.csv', 'bitext_customer_support_80.csv']) {
      texts.push(...(await readFile(`fixtures/datasets/${f}`, 'utf8')).split(/\r?\n/));
    }
    expect(texts.length).toBeGreaterThan(1000);
    const mismatches = texts.filter((t) => countO200k(t) !== countTokens(t));
    expect(mismatches).toEqual([]);
  });

  it('splits ASCII text exactly like the o200k pattern, and counts non-ASCII text exactly', () => {
    const parts = [
      ...'aZQx 1/!.,(-_~A'.split(''),
      '  ',
      '\t',
      '\n',
      '\r',
      '\r\n',
      '\v',
      '\f',
      '23',
      '4567',
      "'",
      "'s",
      "'LL",
      "'re",
      "'v",
      '\u0000',
      '\u007f',
      'hello',
      ' World',
      "don't",
      "I'M",
      'ABC',
      '\n\n',
      ' \n ',
    ];
    const unicode = ['café', '日本語', '😀', 'ÅNGSTRÖM', 'straße', '١٢٣', 'C\u0301afe', '\u00a0', '\u2028'];
    const random = seeded(7);
    const pick = (xs: string[]) => xs[Math.floor(random() * xs.length)]!;
    for (let t = 0; t < 20_000; t++) {
      let s = '';
      const n = 1 + Math.floor(random() * 12);
      for (let i = 0; i < n; i++) s += pick(parts);
      for (let at = 0; at < s.length; ) {
        O200K_SPLIT.lastIndex = at;
        expect(O200K_SPLIT.test(s)).toBe(true);
        expect([s, at, asciiPieceEnd(s, at, s.length)]).toEqual([s, at, O200K_SPLIT.lastIndex]);
        at = O200K_SPLIT.lastIndex;
      }
      if (t % 20 === 0) {
        expect([s, countO200k(s)]).toEqual([s, countTokens(s)]);
        const u = s + pick(unicode) + s;
        expect([u, countO200k(u)]).toEqual([u, countTokens(u)]);
      }
    }
  });

  it('counts special-token text as plain text instead of failing', () => {
    expect(() => countTokens('say <|endoftext|> now')).toThrow();
    expect(countO200k('say <|endoftext|> now')).toBe(
      countTokens('say <|endoftext|> now', { disallowedSpecial: new Set() }),
    );
  });
});
