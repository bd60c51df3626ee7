import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { Aggregator } from '../../evals/aggregate.js';
import type { CaseResult } from '../../evals/case-result.js';
import { resultsHeader, writeReportsFromHeader } from '../../evals/report/write-reports.js';
import { SuiteSchema } from '../../evals/suite.js';
import { launchChromium } from '../../scripts/headless-chromium.js';
import { packagePath } from '../../src/package-root.js';

/**
 * report.html at scale: 10,000 cases × 3 models (BANKING77 inputs, label
 * answers, label-grader reasons), written as results.jsonl and turned into
 * every report by the same writer `polytune eval` uses. Prints the report's
 * size, the time to write the reports, and in headless Chromium the time from
 * navigation to a drawn page and to first contentful paint, and how long a
 * filter takes over all cases. Targets (issue 14): < 15 MB, < 2 s to first render.
 *   npx tsx bench/report/report-bench.ts [cases=10000] [runs=3]
 *   npx tsx bench/report/report-bench.ts --measure <report.html> [runs=3]   (any report, e.g. an older version's)
 */
const MEASURE = process.argv[2] === '--measure' ? process.argv[3] : undefined;
const CASES = MEASURE ? 0 : Number(process.argv[2] ?? 10_000);
const RUNS = Number((MEASURE ? process.argv[4] : process.argv[3]) ?? 3);
const MODELS = [
  { id: 'local-onnx:/work/demo/.polytune/local-onnx/jobs/3f2a9c0b1d2e4f5a6b7c/model', accuracy: 0.88 },
  { id: 'local-onnx:zero-shot:/work/demo/data', accuracy: 0.15 },
  { id: 'openai:ft:gpt-4.1-mini-2025-04-14:acme:banking77:BxYz123', accuracy: 0.8 },
];

/** A number in [0, 1) fixed by the text, so every run writes the same results. */
const unit = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;

async function writeResults(file: string): Promise<{ labels: string[]; lines: number }> {
  const rows = parse(await readFile(packagePath('fixtures', 'banking77', 'train.csv')), {
    columns: true,
    skip_empty_lines: true,
  }) as { text: string; category: string }[];
  const labels = [...new Set(rows.map((r) => r.category))];
  const lines: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const row = rows[i % rows.length] as { text: string; category: string };
    const category = i % 10 < 6 ? 'held-out' : i % 10 < 8 ? 'edge' : 'adversarial';
    for (const model of MODELS) {
      const pass = unit(`${model.id}/${i}`) < model.accuracy;
      const answer = pass
        ? row.category
        : (labels[Math.floor(unit(`w${i}${model.id}`) * labels.length)] as string);
      const ok = answer === row.category;
      const reason = ok
        ? `label "${row.category}"`
        : `label "${answer.replace(/_/g, ' ')}" ≠ expected "${row.category}"`;
      const result: CaseResult = {
        model: model.id,
        id: createHash('sha256').update(`${i}`).digest('hex').slice(0, 16),
        repeat: 0,
        category,
        status: ok ? 'pass' : 'fail',
        reason,
        input: row.text,
        expected: row.category,
        output: answer,
        score: ok ? 1 : 0,
        graders: [{ type: 'label', pass: ok, score: ok ? 1 : 0, reason }],
        latencyMs: 2 + unit(`l${i}${model.id}`) * 40,
        tokens: { input: Math.ceil(row.text.length / 4), output: 4 },
        finishedAt: new Date(0).toISOString(),
      };
      lines.push(JSON.stringify(result));
    }
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return { labels, lines: lines.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface PageTimes {
  /** navigation start → the page script drew everything (report.html's data-render-ms), when it has one */
  render: number[];
  /** → the first frame after that (the case table on screen): time to first render */
  frame: number[];
  /** → first contentful paint (the static overview, before the script has run) */
  paint: number[];
  /** → end of the load event */
  load: number[];
  /** one filter over every row, when the page has the case table */
  filter: number[];
}

/** Opens `html` RUNS times in headless Chromium, each in a fresh page, and reads its timings. */
async function measurePages(html: string): Promise<PageTimes> {
  const times: PageTimes = { render: [], frame: [], paint: [], load: [], filter: [] };
  const { browser, close } = await launchChromium();
  try {
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      // report.html marks its first frame after drawing; an older report has no marker.
      await page.waitForSelector('html[data-paint-ms]', { timeout: 10_000 }).catch(() => undefined);
      const t = (await page.evaluate(`(() => {
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0];
        const select = document.querySelector('#filter-status-0');
        let filterMs = NaN;
        if (select) {
          select.value = 'fail';
          const t = performance.now();
          select.dispatchEvent(new Event('change'));
          filterMs = performance.now() - t;
        }
        const d = document.documentElement.dataset;
        return { render: Number(d.renderMs ?? NaN), frame: Number(d.paintMs ?? NaN), paint: fcp ? fcp.startTime : NaN, load: nav.loadEventEnd, filterMs };
      })()`)) as { render: number; frame: number; paint: number; load: number; filterMs: number };
      times.render.push(t.render);
      times.frame.push(t.frame);
      times.paint.push(t.paint);
      times.load.push(t.load);
      times.filter.push(t.filterMs);
      await page.close();
    }
  } finally {
    await close();
  }
  return times;
}

function printPages(t: PageTimes): void {
  const line = (label: string, xs: number[], extra = '') =>
    Number.isNaN(median(xs))
      ? undefined
      : console.log(
          `  ${label.padEnd(28)}${median(xs).toFixed(0).padStart(6)} ms median of ${xs.length} (${xs.map((x) => x.toFixed(0)).join(', ')})${extra}`,
        );
  line('navigation → page built', t.render);
  line('navigation → first frame', t.frame, '   (time to first render; target < 2000 ms)');
  line('first contentful paint', t.paint);
  line('load event end', t.load);
  line('filter "fail" over all rows', t.filter);
}

if (MEASURE) {
  console.log(`${MEASURE}: ${((await stat(MEASURE)).size / 1024 / 1024).toFixed(2)} MB`);
  printPages(await measurePages(MEASURE));
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'polytune-report-bench-'));
try {
  const resultsFile = join(dir, 'results.jsonl');
  const { labels, lines } = await writeResults(resultsFile);
  const suite = SuiteSchema.parse({ name: 'report-bench', labels, thresholds: ['passRate >= 0.8'] });
  const aggregator = new Aggregator(
    MODELS.map((m) => m.id),
    1,
    MODELS[1]?.id,
  );
  for (const line of (await readFile(resultsFile, 'utf8')).split('\n').filter(Boolean))
    aggregator.add(JSON.parse(line) as CaseResult);
  const header = resultsHeader({
    out: dir,
    resultsFile,
    suite: { suite, baseDir: dir },
    summary: aggregator.summary(),
    status: 'complete',
    models: MODELS.map((m) => m.id),
  });
  const started = performance.now();
  await writeReportsFromHeader({ out: dir, resultsFile, header });
  const writeMs = performance.now() - started;
  const html = join(dir, 'report.html');
  const size = (await stat(html)).size;

  const pages = await measurePages(html);
  const mb = size / 1024 / 1024;
  console.log(
    `report bench: ${CASES} cases × ${MODELS.length} models (${lines} results), ${cpus().length} CPUs, Node ${process.version}`,
  );
  console.log(`  report.html size            ${mb.toFixed(2)} MB   (target < 15 MB)`);
  console.log(`  write all reports           ${(writeMs / 1000).toFixed(2)} s`);
  printPages(pages);
} finally {
  if (!process.env.KEEP_WORK) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
