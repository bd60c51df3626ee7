import { describe, expect, it } from 'vitest';
import { cleanExample, exampleLine, toExample } from '../../src/dataset/clean-example.js';
import { MINHASH_BINS, minhashInto } from '../../src/dataset/minhash.js';
import { IdTable, NearDuplicateIndex } from '../../src/dataset/near-duplicate-index.js';

function signature(text: string): Uint32Array {
  const sig = new Uint32Array(MINHASH_BINS);
  minhashInto(text, sig, 0);
  return sig;
}

describe('NearDuplicateIndex', () => {
  it('finds a near-duplicate of an entry whose signature was spilled to disk, and leakage-style filtered queries', () => {
    const index = new NearDuplicateIndex();
    try {
      // 10,000 unrelated texts: more than one in-memory block of signatures.
      for (let i = 0; i < 10_000; i++) {
        index.add(
          signature(`order ${i} was shipped to warehouse ${i * 7919} on day ${i % 31} by carrier ${i * 31}`),
          0,
        );
      }
      const first =
        'please tell me where my new credit card is, it has not arrived after two weeks of waiting';
      index.add(signature(first), 0);
      for (let i = 0; i < 3000; i++)
        index.add(signature(`ticket ${i} closed by agent ${i * 13} with code ${i * 101}`), 0);
      const hit = index.query(signature(`${first}!`), 0, 0.9);
      expect(hit).toEqual({ index: 10_000, similarity: 1 });
      expect(index.queryEntry(10_000, 0.9, (j) => j !== 10_000)).toBeUndefined();
      expect(
        index.query(signature('a completely different sentence about the weather today'), 0, 0.9),
      ).toBeUndefined();
    } finally {
      index.release();
    }
  });
});

describe('minhash and ids', () => {
  it('hashes ASCII text exactly as the shingleText path does', () => {
    // A trailing no-break space is a word break that sends the text through shingleText.
    const texts = ["  Hello, WORLD!!  it's 2024 -- the_end\tof\nline; x ", 'a', 'one two', '', '!!!'];
    let seed = 1;
    for (let i = 0; i < 200; i++) {
      let t = '';
      for (let k = 0; k < 40; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        t += 'aZ9 _-\n.,Qx'[seed % 12];
      }
      texts.push(t);
    }
    for (const text of texts) expect([text, signature(text)]).toEqual([text, signature(`${text}\u00a0`)]);
  });

  it('IdTable finds an id by its two words, across growth', () => {
    const words = new Uint32Array(2 * 20_000);
    const table = new IdTable(() => words);
    for (let i = 0; i < 20_000; i++) {
      words[2 * i] = Math.imul(i, 0x9e3779b1) >>> 0;
      words[2 * i + 1] = i;
      table.add(i);
    }
    expect(table.get(Math.imul(12_345, 0x9e3779b1) >>> 0, 12_345)).toBe(12_345);
    expect(table.get(Math.imul(12_345, 0x9e3779b1) >>> 0, 12_346)).toBeUndefined();
  });

  it('exampleLine equals JSON.stringify(toExample(…))', () => {
    const cleaned = cleanExample(
      {
        kind: 'chat',
        messages: [
          { role: 'user', content: ' Straße "quoted" \\u0001 ' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"b":1,"a":2}' } }],
          },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { z: 1, a: { y: 2, b: 3 } } } }],
      },
      { unicode: 'NFC', whitespace: 'trim' },
    );
    for (const [source, meta] of [
      [{ file: 'a.jsonl', line: 3, row: 2 }, { category: 'x' }],
      [{ file: 'a.csv', line: 9 }, undefined],
      [undefined, {}],
    ] as const) {
      expect(exampleLine(cleaned, source, meta)).toBe(JSON.stringify(toExample(cleaned, source, meta)));
    }
  });
});
