import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { checkDataset } from '../../src/dataset/check-dataset.js';
import { MAX_LINE_CHARS, readLineBatches } from '../../src/dataset/read-lines.js';
import { scanDataset } from '../../src/dataset/scan-dataset.js';
import { isPolytuneError } from '../../src/errors.js';
import { ROOT, spawnCli } from './cli-child.js';

/**
 * Every file in fixtures/bad-inputs/ through the dataset API and `polytune data
 * check`: a clear message naming file and line, or a per-line rejection with a
 * reason; never a stack trace, never a hang; `kept + dropped = read`. Plus one
 * line of 50 MB (JSONL, JSON array, CSV), generated at test time, which must be
 * rejected by length within a bounded heap.
 */

const DIR = join(ROOT, 'fixtures/bad-inputs');

type Expect =
  /** The whole file is refused: one error naming the file (and the line, when there is one). */
  | { fatal: RegExp; line?: number }
  /** Read record by record: these counts, every drop with a line and a reason; optional warning codes. */
  | { read: number; kept: number; dropped: number; warns?: string[] };

const EXPECTED: Record<string, Expect> = {
  'array-line-in-jsonl.jsonl': { read: 2, kept: 1, dropped: 1 },
  'array-of-strings.json': { fatal: /no usable record in 2 read.*expected an object, got string/, line: 1 },
  'blank-lines.jsonl': { read: 2, kept: 2, dropped: 0 },
  'bom.jsonl': { read: 2, kept: 2, dropped: 0 },
  'control-chars.jsonl': { read: 1, kept: 1, dropped: 0 },
  'deeply-nested-line.jsonl': { read: 3, kept: 2, dropped: 1 },
  'deeply-nested.json': { fatal: /expected an object, got an array/, line: 1 },
  'duplicate-ids.jsonl': { read: 3, kept: 2, dropped: 1, warns: ['duplicate'] },
  'empty-fields.csv': { read: 4, kept: 1, dropped: 3 },
  'empty-messages.jsonl': { read: 2, kept: 1, dropped: 1 },
  'empty.jsonl': { fatal: /the file is empty/ },
  'gzip-named-jsonl.jsonl': { fatal: /no usable record.*not valid JSON/, line: 1 },
  'header-only.csv': { fatal: /holds no records/ },
  'inconsistent-columns.csv': { read: 4, kept: 2, dropped: 2 },
  'invalid-utf8.jsonl': { read: 3, kept: 3, dropped: 0, warns: ['replacement_character'] },
  'invalid-weight.jsonl': { read: 2, kept: 1, dropped: 1 },
  'json-truncated.json': { fatal: /JSON array is not closed/, line: 1 },
  'label-is-object.jsonl': { read: 4, kept: 1, dropped: 3 },
  'missing-content.jsonl': { read: 2, kept: 1, dropped: 1 },
  'missing-label-column.csv': {
    fatal: /cannot tell what the records hold: found fields text, comment/,
    line: 2,
  },
  'mixed-line-endings.jsonl': { read: 3, kept: 3, dropped: 0 },
  'mixed-schemas.jsonl': { read: 4, kept: 2, dropped: 2 },
  'no-assistant.jsonl': { read: 2, kept: 1, dropped: 1 },
  'not-json.jsonl': { fatal: /no usable record.*not valid JSON/, line: 1 },
  'nul-bytes.jsonl': { read: 4, kept: 2, dropped: 2 },
  'object-not-array.json': { read: 1, kept: 1, dropped: 0 },
  'only-commas.csv': { fatal: /cannot tell what the records hold: found fields \(none\)/, line: 2 },
  'preference-missing-output.jsonl': { fatal: /cannot tell what the records hold/, line: 1 },
  'single-class.csv': { read: 3, kept: 3, dropped: 0 },
  'system-only-chat.jsonl': { read: 2, kept: 1, dropped: 1 },
  'trailing-comma.json': { fatal: /trailing `,` before `]`/, line: 1 },
  'truncated-final-line.jsonl': { read: 3, kept: 2, dropped: 1 },
  // The quote opened on line 2 is found unclosed where the parser stops: line 4, as its message says.
  'unbalanced-quotes.csv': { fatal: /cannot parse CSV: Invalid Closing Quote.*line 4/, line: 4 },
  'unknown-role.jsonl': { read: 2, kept: 1, dropped: 1 },
  'unrecognized-keys.jsonl': { read: 2, kept: 1, dropped: 1 },
  'utf16be-no-bom.csv': { fatal: /looks like UTF-16/, line: 1 },
  'utf16le.jsonl': { fatal: /looks like UTF-16/, line: 1 },
  'whitespace-only.jsonl': { fatal: /the file is empty/ },
  'wrong-types.jsonl': { read: 5, kept: 1, dropped: 4 },
};

const STACK = /\n\s+at .+[:(]\d+:\d+/;

async function dataCheck(file: string): Promise<{ code: number; text: string }> {
  let text = '';
  const capture = (chunk: unknown) => {
    text += String(chunk);
    return true;
  };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { code: await main(['data', 'check', file]), text };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('fixtures/bad-inputs: one test per file', () => {
  it('the table covers every fixture (a new file needs an expectation)', async () => {
    const files = (await readdir(DIR)).filter((f) => f !== 'README.md').sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${'fatal' in expected ? 'refused with file and line' : `kept ${expected.kept} + dropped ${expected.dropped} = read ${expected.read}`}`, {
      timeout: 15_000,
    }, async () => {
      const file = join(DIR, name);
      if ('fatal' in expected) {
        const error = await scanDataset(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPolytuneError(error), String(error)).toBe(true);
        if (!isPolytuneError(error)) return;
        expect(error.code).toBe('INVALID_INPUT');
        expect(error.message).toMatch(expected.fatal);
        expect(error.file).toBe(file);
        expect(error.line).toBe(expected.line);
        expect(error.hint ?? '').not.toBe('');
        const cli = await dataCheck(file);
        expect(cli.code).toBe(2);
        expect(cli.text).not.toMatch(STACK);
        expect(cli.text).toContain(
          `error [INVALID_INPUT]: ${file}${expected.line ? `:${expected.line}:` : ':'}`,
        );
        expect(cli.text).toMatch(/hint: /);
        return;
      }
      const scan = await scanDataset(file);
      expect(scan.counts).toEqual({ read: expected.read, kept: expected.kept, dropped: expected.dropped });
      expect(scan.counts.kept + scan.counts.dropped).toBe(scan.counts.read);
      expect(scan.dropped).toHaveLength(expected.dropped);
      for (const d of scan.dropped) {
        expect(d.line).toBeGreaterThan(0);
        expect(d.reason.length).toBeGreaterThan(3);
      }
      for (const code of expected.warns ?? []) expect(scan.issues.map((i) => i.code)).toContain(code);
      const report = await checkDataset(file);
      expect(report.counts).toEqual(scan.counts);
      // Every line-level error names its line.
      for (const issue of report.issues.filter((i) => i.severity === 'error'))
        expect(issue.line).toBeGreaterThan(0);
      const cli = await dataCheck(file);
      expect(cli.text).not.toMatch(STACK);
      expect(cli.text).toContain(
        `read ${expected.read} · kept ${expected.kept} · dropped ${expected.dropped}`,
      );
      // Dropped records are errors (exit 2, each listed as file:line) unless they are only duplicates.
      if (scan.dropped.some((d) => !d.duplicateOf)) {
        expect(cli.code).toBe(2);
        for (const d of scan.dropped.filter((x) => !x.duplicateOf))
          expect(cli.text).toContain(`${file}:${d.line}:`);
      } else expect(cli.code).toBe(0);
    });
  }
});

describe('one line of 50 MB', () => {
  let dir: string;
  const SIZE = 50 * 1024 * 1024;
  const ok = JSON.stringify({
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ],
  });
  const ok2 = JSON.stringify({
    messages: [
      { role: 'user', content: 'bye' },
      { role: 'assistant', content: 'ciao' },
    ],
  });

  /** Writes head + a string field of SIZE characters + tail without holding it in memory at once. */
  async function writeBig(file: string, head: string, tail: string) {
    const stream = createWriteStream(file);
    stream.write(head);
    const block = 'lorem ipsum '.repeat(87_382); // ≈1 MiB
    for (let written = 0; written < SIZE; written += block.length) {
      if (!stream.write(block)) await once(stream, 'drain');
    }
    stream.end(tail);
    await once(stream, 'finish');
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'polytune-big-line-'));
    await writeBig(
      join(dir, 'big.jsonl'),
      `${ok}\n{"messages": [{"role": "user", "content": "`,
      `"}, {"role": "assistant", "content": "x"}]}\n${ok2}\n`,
    );
    await writeBig(
      join(dir, 'big.json'),
      `[${ok},\n{"messages": [{"role": "user", "content": "`,
      `"}, {"role": "assistant", "content": "x"}]},\n${ok2}]\n`,
    );
    await writeBig(join(dir, 'big.csv'), 'text,label\nhi,greet\n"', '",x\nbye,farewell\n');
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('JSONL: the line is rejected by its length, with its line number; the others are kept', {
    timeout: 30_000,
  }, async () => {
    const file = join(dir, 'big.jsonl');
    const scan = await scanDataset(file);
    expect(scan.counts).toEqual({ read: 3, kept: 2, dropped: 1 });
    expect(scan.dropped[0]).toMatchObject({ line: 2 });
    expect(scan.dropped[0]?.reason).toMatch(/line too long: 50\.\d M characters, over the 8\.0 M limit/);
  });

  it('JSON array: the element is rejected by its length, with the line it starts on', {
    timeout: 30_000,
  }, async () => {
    const scan = await scanDataset(join(dir, 'big.json'));
    expect(scan.counts).toEqual({ read: 3, kept: 2, dropped: 1 });
    expect(scan.dropped[0]).toMatchObject({ line: 2 });
    expect(scan.dropped[0]?.reason).toMatch(/element too long: 50\.\d M characters/);
  });

  it('CSV: refused with the record size limit and the line', { timeout: 30_000 }, async () => {
    const file = join(dir, 'big.csv');
    const error = await scanDataset(file).catch((e: unknown) => e);
    expect(isPolytuneError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', file, line: 3 });
    expect(String((error as Error).message)).toMatch(/Max Record Size/);
  });

  it('polytune data check stays within a 256 MB heap and says which line', { timeout: 60_000 }, async () => {
    for (const name of ['big.jsonl', 'big.json', 'big.csv']) {
      const file = join(dir, name);
      const child = spawnCli(['data', 'check', file], { NODE_OPTIONS: '--max-old-space-size=256' });
      const code = await child.exit;
      const text = child.stdout() + child.stderr();
      expect(code, text).toBe(2); // not 134 (out of memory)
      expect(text).not.toMatch(STACK);
      expect(text).toContain(`${file}:${name === 'big.csv' ? 3 : 2}:`);
    }
  });
});

describe('readLineBatches with a line limit', () => {
  it('measures and skips long lines across chunks, keeps line numbers, handles CRLF and a last line without LF', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-lines-'));
    try {
      const file = join(dir, 'lines.txt');
      const long = 'x'.repeat(25);
      await writeFile(file, `\ufeffa\r\n${long}\nbb\n${long}${long}\r\nccc\n\n${long}`);
      const seen: { line: number; text: string; oversized?: number }[] = [];
      for (const chunkSize of [3, 7, 1 << 20]) {
        seen.length = 0;
        for await (const batch of readLineBatches(file, chunkSize, 10)) {
          batch.lines.forEach((text, i) => {
            const size = batch.oversized?.get(i);
            seen.push({
              line: batch.firstLine + i,
              text,
              ...(size !== undefined ? { oversized: size } : {}),
            });
          });
        }
        expect(seen, `chunk size ${chunkSize}`).toEqual([
          { line: 1, text: 'a' },
          { line: 2, text: '', oversized: 25 },
          { line: 3, text: 'bb' },
          { line: 4, text: '', oversized: expect.any(Number) },
          { line: 5, text: 'ccc' },
          { line: 6, text: '' },
          { line: 7, text: '', oversized: 25 },
        ]);
        expect(seen[3]?.oversized).toBeGreaterThanOrEqual(50);
      }
      expect(MAX_LINE_CHARS).toBe(8 * 1024 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
