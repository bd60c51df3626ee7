import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/dataset/detect-format.js';
import { loadRecords } from '../../src/dataset/load-records.js';
import type { RawRecord } from '../../src/dataset/raw-record.js';
import { PolytuneError } from '../../src/errors.js';

async function all(file: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of loadRecords(file)) out.push(r);
  return out;
}

async function temp(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-load-'));
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

describe('CSV loading', () => {
  it('reads all 10,003 Banking77 training rows (CRLF, quoted multi-line fields) with their starting lines', async () => {
    const records = await all('fixtures/banking77/train.csv');
    expect(records).toHaveLength(10_003);
    expect(records.every((r) => r.ok)).toBe(true);
    const first = records[0]!;
    expect(first.ok && first.value).toEqual({
      text: 'I am still waiting on my card?',
      category: 'card_arrival',
    });
    expect(first.line).toBe(2);
    // The record on line 1292 spans five lines; the next one starts on line 1297.
    const multi = records.findIndex(
      (r) => r.ok && (r.value as { text: string }).text.startsWith("\nI can't seem"),
    );
    expect(records[multi]!.line).toBe(1292);
    expect(records[multi + 1]!.line).toBe(1297);
    expect(records[records.length - 1]!.row).toBe(10_003);
  });

  it('reads the Bitext sample: 11 columns, multi-line responses, lines counted across CRLF inside quotes', async () => {
    const records = await all('fixtures/datasets/bitext_customer_support_80.csv');
    expect(records).toHaveLength(80);
    expect(records.map((r) => r.line).slice(0, 3)).toEqual([2, 11, 20]);
    const v = records[0]!.ok ? (records[0]!.value as Record<string, string>) : {};
    expect(Object.keys(v)).toHaveLength(11);
    expect(v.intent).toBe('cancel_order');
    expect(v.response).toContain('\n');
  });

  it('strips a BOM and reports a row with the wrong number of fields by line', async () => {
    const file = await temp('bom.csv', '\uFEFFtext,label\r\nhello,greet\r\n"a, b",x,extra\r\n');
    const records = await all(file);
    expect(records[0]).toMatchObject({ ok: true, value: { text: 'hello', label: 'greet' }, line: 2 });
    expect(records[1]).toMatchObject({ ok: false, line: 3 });
  });
});

describe('JSON loading', () => {
  it('streams a JSON array element by element, with the line each element starts on', async () => {
    const file = await temp(
      'a.json',
      '[\n  {"text": "one",\n   "label": "a"},\n  {"text": "two ] , {", "label": "b"}\n, 3]\n',
    );
    const records = await all(file);
    expect(records.map((r) => r.line)).toEqual([2, 4, 5]);
    expect(records[1]!.ok && records[1]!.value).toEqual({ text: 'two ] , {', label: 'b' });
    expect(records[2]!.ok && records[2]!.value).toBe(3);
  });

  it('rejects a truncated array and a trailing comma with the line', async () => {
    await expect(all(await temp('t.json', '[{"a": 1},\n{"a": 2'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      line: 2,
    });
    await expect(all(await temp('c.json', '[{"a": 1},\n]'))).rejects.toBeInstanceOf(PolytuneError);
  });

  it('gives JSONL parse errors their line and skips blank lines', async () => {
    const records = await all(await temp('x.jsonl', '{"a":1}\r\n\n{"a":\n{"a":3}'));
    expect(records.map((r) => [r.ok, r.line])).toEqual([
      [true, 1],
      [false, 3],
      [true, 4],
    ]);
  });
});

describe('format detection', () => {
  it('uses the extension, then the content', async () => {
    expect(await detectFormat('fixtures/datasets/dolly_first100.jsonl')).toBe('jsonl');
    expect(await detectFormat('fixtures/datasets/banking77_train_300.csv')).toBe('csv');
    expect(await detectFormat(await temp('data.txt', '  [ {"a": 1} ]'))).toBe('json');
    expect(await detectFormat(await temp('data.txt', '{"a": 1}\n'))).toBe('jsonl');
    expect(await detectFormat(await temp('data', 'text\tlabel\nhi\tx\n'))).toBe('tsv');
  });

  it('refuses UTF-16 with a hint', async () => {
    const file = await temp('u.jsonl', '');
    await writeFile(file, Buffer.from('\uFEFF{"a":1}', 'utf16le'));
    await expect(detectFormat(file)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /UTF-16/ });
  });
});
