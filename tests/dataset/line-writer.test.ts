import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachLineBytes, hashFile, LineWriter } from '../../src/dataset/line-writer.js';

describe('LineWriter and forEachLineBytes', () => {
  it('writes lines (long, non-ASCII, copied as bytes) with their count and sha256, and reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-lw-'));
    const lines = [
      '{"a":1}',
      `"${'x'.repeat(3_000_000)}"`,
      '"Straße café 日本語 😀"',
      ...Array(5000).fill('"y"'),
    ];
    const a = new LineWriter(join(dir, 'a.jsonl'));
    for (const l of lines) {
      a.write(l);
      await a.flushIfFull();
    }
    const closed = await a.close();
    expect(closed.count).toBe(lines.length);
    expect(await readFile(join(dir, 'a.jsonl'), 'utf8')).toBe(`${lines.join('\n')}\n`);
    expect(closed.sha256).toBe(await hashFile(join(dir, 'a.jsonl')));

    // Routed as bytes into a second writer: the same content.
    const b = new LineWriter(join(dir, 'b.jsonl'));
    await forEachLineBytes(
      join(dir, 'a.jsonl'),
      (bytes, start, end) => b.writeBytes(bytes, start, end, 1),
      () => b.flushIfFull(),
    );
    expect(await b.close()).toEqual(closed);

    // A last line without a newline still comes through (with one).
    await writeFile(join(dir, 'c.jsonl'), '1\n2');
    const got: string[] = [];
    await forEachLineBytes(join(dir, 'c.jsonl'), (bytes, start, end) =>
      got.push(bytes.toString('utf8', start, end)),
    );
    expect(got).toEqual(['1\n', '2\n']);
  });
});
