import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../evals/case-result.js';
import { readResults } from '../../evals/report/results-json.js';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { CHROMIUM, chromiumPresent, launchChromium } from '../../scripts/headless-chromium.js';
import { fakeModel, lastText } from './fake-model.js';

/**
 * report.html of a demo-like run (real runner, real generators, a label grader,
 * a baseline and two candidates) opened in headless Chromium: the regressions
 * list, the filters, the search and the side-by-side outputs show what
 * results.json holds, nothing logs an error, and hostile text in inputs,
 * outputs, labels and model names stays text.
 */

const XSS_LABEL = `<img src=x onerror="window.__pwned='label'">`;
const XSS_INPUT = `<script>window.__pwned='input'</script>`;
const XSS_OUTPUT = `<svg onload="window.__pwned='output'"></svg>`;
const XSS_MODEL = `fake:<img src=x onerror="window.__pwned='model'">`;
const LABELS = ['card_arrival', 'exchange_rate', 'lost_card', XSS_LABEL];
// Each label's cue word; the tuned model answers by it, so generated typos and noise make it miss.
const CUES: [string, string][] = [
  ['arrive', 'card_arrival'],
  ['rate', 'exchange_rate'],
  ['lost', 'lost_card'],
  ['weird', XSS_LABEL],
];
const WORDS = ['amber', 'birch', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper'];

const heldOut = WORDS.flatMap((word, w) =>
  CUES.map(([cue, label], l) => ({
    id: `case-${w}-${l}`,
    category: 'held-out',
    input: `${w === 0 && l === 0 ? `${XSS_INPUT} ` : ''}the ${word} thing: when will it ${cue}?`,
    expected: label,
  })),
);

const tuned = fakeModel('local-onnx:/work/demo/.polytune/local-onnx/jobs/0123456789abcdef0123/model', (r) => {
  const text = lastText(r);
  return CUES.find(([cue]) => text.includes(cue))?.[1] ?? 'lost_card';
});
const base = fakeModel('local-onnx:zero-shot:/work/demo/data', () => 'card_arrival');
const hostile = fakeModel(XSS_MODEL, (r) => (lastText(r).includes('lost') ? XSS_OUTPUT : 'exchange_rate'));

let dir: string;
let out: string;
let cases: CaseResult[];
let browser: Browser;
let close: () => Promise<void>;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];
let url: string;

const present = chromiumPresent() || Boolean(process.env.CI); // CI must have it (.ci/run installs it)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-report-browser-'));
  out = join(dir, 'eval');
  const suite = parseSuite(
    {
      name: 'banking-like <i>demo</i>',
      labels: LABELS,
      cases: heldOut,
      sources: [
        { generate: ['edge'], from: ['held-out'], rate: 0.5, seed: 7 },
        { generate: ['adversarial'], from: ['held-out'], rate: 0.3, seed: 7 },
      ],
      graders: [{ type: 'label', labels: LABELS }],
    },
    dir,
  );
  await runEval({ suite, models: [tuned, base, hostile], baseline: base.id, out, cache: false });
  cases = (await readResults(join(out, 'results.json'))).cases;
  caseIds = [...new Set(cases.map((c) => c.id))];
  if (!present) return;
  ({ browser, close } = await launchChromium());
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  url = pathToFileURL(join(out, 'report.html')).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-rendered="true"]');
}, 120_000);

afterAll(async () => {
  await close?.();
  if (dir && !process.env.KEEP_WORK) await rm(dir, { recursive: true, force: true });
});

const statusOf = (model: string, id: string) => cases.find((c) => c.model === model && c.id === id)?.status;
let caseIds: string[] = [];
const regressionsOf = (model: string) =>
  caseIds.filter((id) => statusOf(base.id, id) === 'pass' && statusOf(model, id) !== 'pass');

/** The case ids of the rows the table shows now, and its "N of M cases" line. */
async function shownRows(): Promise<{ ids: string[]; count: string }> {
  return (await page.evaluate(`(() => ({
    ids: [...document.querySelectorAll('#cases table.cases tbody tr')].map((tr) => tr.dataset.case),
    count: document.querySelector('#cases .count').textContent,
  }))()`)) as { ids: string[]; count: string };
}

/** Polls the page until `expression` is true (the page's policy forbids waitForFunction's eval). */
async function until(expression: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(expression)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`page never satisfied: ${expression}`);
}

async function resetFilters(): Promise<void> {
  await page.selectOption('#filter-category', '');
  await page.selectOption('#filter-change', '');
  await page.fill('#filter-text', '');
  await until(`document.querySelector('#cases .count').textContent.startsWith('${caseIds.length} of')`);
}

describe.skipIf(!present)(`report.html in headless Chromium (${CHROMIUM})`, () => {
  it('the run is demo-like: generated categories, regressions and fixes, every payload carried', () => {
    expect(new Set(cases.map((c) => c.category))).toEqual(new Set(['held-out', 'edge', 'adversarial']));
    expect(regressionsOf(tuned.id).length).toBeGreaterThan(0);
    expect(cases.some((c) => c.output === XSS_OUTPUT)).toBe(true);
    expect(cases.some((c) => String(c.input).includes(XSS_INPUT))).toBe(true);
  });

  it('lists the regressions of each candidate exactly as results.json has them', async () => {
    for (const [index, model] of [
      [0, tuned],
      [2, hostile],
    ] as const) {
      const expected = regressionsOf(model.id);
      const shown = (await page.evaluate(`(() => ({
        count: document.querySelector('.candidate[data-model="${index}"] .regression-count').textContent,
        ids: [...document.querySelectorAll('table.regression-list[data-model="${index}"] tbody tr')].map((tr) => tr.dataset.case),
      }))()`)) as { count: string; ids: string[] };
      expect(Number(shown.count), model.id).toBe(expected.length);
      expect(expected.length, 'the whole list fits the page').toBeLessThanOrEqual(50);
      expect([...shown.ids].sort(), model.id).toEqual([...expected].sort());
    }
  });

  it('filters by category and by "regression" to exactly the expected rows', async () => {
    await page.selectOption('#filter-category', 'edge');
    await page.selectOption('#filter-change', 'regression:0');
    const expected = regressionsOf(tuned.id).filter(
      (id) => cases.find((c) => c.id === id)?.category === 'edge',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThanOrEqual(50); // one page
    const { ids, count } = await shownRows();
    expect(count).toMatch(new RegExp(`^${expected.length} of ${caseIds.length} cases`));
    expect([...ids].sort()).toEqual([...expected].sort());
    await resetFilters();
  });

  it('finds a case by a word of its input', async () => {
    await page.fill('#filter-text', 'juniper');
    const expected = caseIds.filter((id) =>
      String(cases.find((c) => c.id === id)?.input)
        .toLowerCase()
        .includes('juniper'),
    );
    await until(`document.querySelector('#cases .count').textContent.startsWith('${expected.length} of')`);
    const { ids } = await shownRows();
    expect(ids).toContain('case-9-0');
    expect([...ids].sort()).toEqual([...expected].sort());
    await resetFilters();
  });

  it("shows every model's output and status side by side in a case row", async () => {
    await page.fill('#filter-text', 'amber');
    await until(`document.querySelector('#cases tr[data-case="case-0-2"]') !== null`);
    const cells = (await page.evaluate(`(() =>
      [...document.querySelectorAll('#cases tr[data-case="case-0-2"] td[data-model]')].map((td) => ({
        status: td.dataset.status,
        output: td.querySelector('pre.output').textContent,
      })))()`)) as { status: string; output: string }[];
    const expected = [tuned, base, hostile].map((m) => {
      const r = cases.find((c) => c.model === m.id && c.id === 'case-0-2');
      return { status: r?.status, output: r?.output };
    });
    expect(cells).toEqual(expected);
    expect(cells[2]?.output).toBe(XSS_OUTPUT);
    await resetFilters();
  });

  it('shows labels and names as text: no script of the content runs, nothing is fetched, no errors', async () => {
    await page.evaluate(`document.querySelector('#labels').scrollIntoView()`);
    const state = (await page.evaluate(`(() => ({
      pwned: window.__pwned,
      scripts: [...document.querySelectorAll('script')].map((s) => s.id),
      foreign: document.querySelectorAll('img,iframe,object,embed,link,svg [onload],[onerror],[onload],meta[http-equiv]:not([http-equiv="Content-Security-Policy"])').length,
      labels: document.querySelector('#labels').innerText,
      provenance: document.querySelector('#provenance').innerText,
      title: document.title,
    }))()`)) as {
      pwned?: string;
      scripts: string[];
      foreign: number;
      labels: string;
      provenance: string;
      title: string;
    };
    expect(state.pwned).toBeUndefined();
    expect(state.scripts).toEqual(['report-data', 'report-app']);
    expect(state.foreign).toBe(0);
    expect(state.labels).toContain(XSS_LABEL);
    expect(state.provenance).toContain(XSS_MODEL);
    expect(state.title).toBe('polytune eval: banking-like <i>demo</i>');
    expect(problems.join('\n')).toBe('');
    expect(requests).toEqual([url]);
  });
});
