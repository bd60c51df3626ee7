import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readResults } from '../../evals/report/results-json.js';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { main } from '../../src/cli/main.js';
import { fakeModel, lastText } from '../evals/fake-model.js';

let out: string;
const calls = { tuned: 0, base: 0 };

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-report-cmd-'));
  out = join(dir, 'eval');
  const suite = parseSuite(
    {
      name: 'rebuild',
      models: { tuned: 'fake:tuned', base: 'fake:base' },
      cases: [
        { id: 'a', input: 'a', expected: 'A' },
        { id: 'b', input: 'b', expected: 'B' },
        { id: 'c', input: 'c', expected: 'C' },
      ],
    },
    dir,
  );
  const tuned = fakeModel('fake:tuned', (r) => {
    calls.tuned++;
    return lastText(r) === 'c' ? 'x' : lastText(r).toUpperCase();
  });
  const base = fakeModel('fake:base', (r) => {
    calls.base++;
    return lastText(r) === 'c' ? 'C' : 'x';
  });
  await runEval({ suite, models: [tuned, base], baseline: base.id, out, cache: false });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const capture = (chunk: unknown) => {
    text += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const code = await main(args);
  vi.restoreAllMocks();
  return { code: typeof process.exitCode === 'number' ? process.exitCode : code, text };
}

describe('polytune report <out-dir>', () => {
  it('writes every report again from results.jsonl, with no model call, and the same figures', async () => {
    const before = await readResults(join(out, 'results.json'));
    const html = await readFile(join(out, 'report.html'), 'utf8');
    await rm(join(out, 'report.html'));
    await rm(join(out, 'summary.md'));
    const seen = { ...calls };
    const { code, text } = await run(['report', out]);
    expect(code).toBe(0);
    expect(text).toContain('report.html');
    expect(calls).toEqual(seen);
    const after = await readResults(join(out, 'results.json'));
    expect(after.summary).toEqual(before.summary);
    expect(after.cases).toEqual(before.cases);
    // Names from the suite's models: map survive the rebuild.
    expect(after.modelInfo?.map((m) => m.name)).toEqual(['tuned', 'base']);
    const rebuilt = await readFile(join(out, 'report.html'), 'utf8');
    const data = (page: string) => /id="report-data">(.*?)<\/script>/s.exec(page)?.[1];
    expect(data(rebuilt)).toBe(data(html));
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('### Regressions of tuned (1; fixes: 2)');
  });

  it('says what to pass when the folder has no results', async () => {
    const { code, text } = await run(['report', join(out, 'nowhere')]);
    expect(code).toBe(2);
    expect(text).toMatch(/No results\.jsonl in .*nowhere/);
  });
});
