import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelInfos } from '../../evals/report/model-names.js';
import { buildReportData, type ReportData } from '../../evals/report/report-data.js';
import { readResults, readResultsSummary } from '../../evals/report/results-json.js';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { fakeModel, lastText } from './fake-model.js';

const NASTY = '<script>alert("x")</script> & ]]> \u0001 \'quote\' <img src=https://evil.example/x.png>';
let out: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-report-'));
  out = join(dir, 'out');
  const suite = parseSuite(
    {
      name: 'report <test>',
      thresholds: ['passRate >= 0.5'],
      cases: [
        { id: 'ok', input: 'a', expected: 'A' },
        { id: 'bad', input: 'b', expected: 'B' },
        {
          id: 'adv',
          category: 'adversarial',
          input: 'c',
          expected: 'C',
          graders: [{ type: 'not-contains', value: 'script' }],
        },
      ],
    },
    dir,
  );
  const price = { inputPer1M: 1, outputPer1M: 1, source: 'test', date: '2026-01-01' };
  const answer = (r: Parameters<Parameters<typeof fakeModel>[1]>[0]) => (lastText(r) === 'a' ? 'A' : NASTY);
  await runEval({
    suite,
    models: [
      fakeModel('new', answer, { price }),
      fakeModel('base', (r) => (lastText(r) === 'b' ? 'B' : 'nope'), { price }),
    ],
    baseline: 'base',
    out,
    cache: false,
  });
});

describe('reports', () => {
  it('writes a versioned results.json with every case and the summary', async () => {
    const results = await readResults(join(out, 'results.json'));
    expect(results).toMatchObject({
      version: 1,
      status: 'complete',
      suite: { name: 'report <test>', thresholds: ['passRate >= 0.5'] },
      models: ['new', 'base'],
    });
    expect(results.cases).toHaveLength(6);
    expect(results.cases.find((c) => c.model === 'new' && c.id === 'bad')).toMatchObject({
      status: 'fail',
      output: NASTY,
      expected: 'B',
    });
    const summary = await readResultsSummary(join(out, 'results.json'));
    expect(summary.summary).toEqual(results.summary);
    expect('cases' in summary).toBe(false);
  });

  it('writes well-formed JUnit: one testsuite per category, reasons as messages, text escaped', async () => {
    const xml = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = doc.testsuites.testsuite as {
      name: string;
      tests: string;
      failures: string;
      testcase: unknown;
    }[];
    expect(suites.map((s) => s.name).sort()).toEqual([
      'base / adversarial',
      'base / held-out',
      'new / adversarial',
      'new / held-out',
    ]);
    const held = suites.find((s) => s.name === 'new / held-out')!;
    expect(held).toMatchObject({ tests: '2', failures: '1' });
    const failing = (
      held.testcase as { name: string; failure?: { message: string; '#text': string } }[]
    ).find((t) => t.name === 'bad')!;
    expect(failing.failure?.message).toContain('≠ expected "B"');
    expect(failing.failure?.['#text']).toContain('<script>alert("x")</script>');
    expect(xml).not.toContain('<script>');
  });

  it('writes one offline HTML file: data as escaped JSON, only its own script, nothing fetched', async () => {
    const html = await readFile(join(out, 'report.html'), 'utf8');
    // Two scripts, both ours: the data (not executed) and the page script the policy allows by hash.
    expect(html.match(/<script\b[^>]*>/gi)).toEqual([
      '<script type="application/json" id="report-data">',
      '<script id="report-app">',
    ]);
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+';/,
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('\\u003cscript\\u003ealert(\\"x\\")\\u003c/script\\u003e');
    // No element loads anything: no tag carries src, and href only to the page's own sections.
    expect(html).not.toMatch(/<[a-z][^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<[a-z][^>]*\shref\s*=\s*"(?!#)/i);
    expect(html).not.toMatch(/https?:\/\/(?!evil\.example)/); // the only URL is the escaped model output
    expect(html).toContain('<svg role="img" aria-label="Pass rate by category"');
    expect(html).toContain('aria-label="Cost against accuracy"');
    expect(html).toContain('aria-label="Latency"');
  });

  it("lists regressions and fixes that are the summary's McNemar c and b, case by case", async () => {
    const html = await readFile(join(out, 'report.html'), 'utf8');
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const data = JSON.parse(json) as ReportData;
    const results = await readResults(join(out, 'results.json'));
    const vs = results.summary.models.find((m) => m.model === 'new')?.vsBaseline;
    expect(data.models.map((m) => m.name)).toEqual(['new', 'base']);
    expect(data.vs).toHaveLength(1);
    const ids = (rows: number[]) => rows.map((i) => data.cases[i]?.id).sort();
    expect(ids(data.vs[0]!.regressions)).toEqual(['adv', 'bad']);
    expect(ids(data.vs[0]!.fixes)).toEqual(['ok']);
    expect(data.vs[0]!.regressions).toHaveLength(vs!.c);
    expect(data.vs[0]!.fixes).toHaveLength(vs!.b);
    // The same from the per-case results: baseline passed, candidate did not.
    const status = (model: string, id: string) =>
      results.cases.find((c) => c.model === model && c.id === id)?.status;
    const expected = ['ok', 'bad', 'adv'].filter(
      (id) => status('base', id) === 'pass' && status('new', id) !== 'pass',
    );
    expect(ids(data.vs[0]!.regressions)).toEqual(expected.sort());
  });

  it('embeds at most maxCases rows and says so, so memory stays bounded on huge runs', async () => {
    const models = modelInfos(['new', 'base']);
    const all = await buildReportData(join(out, 'results.jsonl'), models, { baseline: 'base' });
    expect(all.cases).toHaveLength(3);
    expect(all.truncated).toBeUndefined();
    const some = await buildReportData(join(out, 'results.jsonl'), models, { baseline: 'base', maxCases: 2 });
    expect(some.cases).toHaveLength(2);
    expect(some.truncated).toEqual({ shown: 2 });
  });

  it('writes a markdown summary: gate lines, intervals, the baseline delta and the top regressions', async () => {
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('## polytune eval: report &lt;test&gt;');
    expect(md).toContain('**Gate FAILED** (1 of 1 checks failed)');
    expect(md).toMatch(/\| new \| 3 \| 33\.3% \[6\.1%, 79\.2%\] \|/);
    expect(md).toContain('| base | 3 | 66.7% [20.8%, 93.9%] |');
    expect(md).toMatch(/vs baseline Δ/);
    expect(md).not.toContain('<script>');
    expect(md).toContain('### Regressions of new (2; fixes: 1)');
    expect(md).toMatch(/^\| bad \| b \| B \| B \| &lt;script&gt;/m);
  });
});
