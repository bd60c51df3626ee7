import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';

/**
 * One run in its own process: `contender.mjs <online|batch> <cases> <baseURL>`.
 * Case i asks for i and expects i (every 50th expects i+1, so some fail).
 * Prints {wallMs, peakRssMb, lines, distinct, passed, failed, errors, batchSettled, onlineLeft} as JSON.
 */
const [mode, casesArg, baseURL] = process.argv.slice(2) as [string, string, string];
const cases = Number(casesArg);
const dir = await mkdtemp(join(tmpdir(), 'polytune-eval-batch-'));
try {
  const lines: string[] = [];
  for (let i = 0; i < cases; i++) {
    lines.push(
      JSON.stringify({
        id: `case-${i}`,
        input: `Reply with ${i}`,
        expected: String(i % 50 === 3 ? i + 1 : i),
      }),
    );
  }
  await writeFile(join(dir, 'cases.jsonl'), `${lines.join('\n')}\n`);
  const suite = parseSuite({ name: 'batch-bench', sources: [{ file: 'cases.jsonl' }] }, dir);
  const model = await createOpenAIProvider({ apiKey: 'bench-key', baseURL, requestTimeoutMs: 60_000 }).model(
    'bench-model',
  );
  let batchSettled = 0;
  let onlineLeft = 0;
  const started = performance.now();
  const run = await runEval({
    suite,
    models: [model],
    out: join(dir, 'out'),
    concurrency: 50,
    cache: false,
    ...(mode === 'batch' ? { batch: { ledgerDir: join(dir, '.polytune'), pollIntervalMs: 200 } } : {}),
    onEvent: (event) => {
      if (event.type === 'batch' && event.state === 'settled') {
        batchSettled += event.counts?.completed ?? 0;
        onlineLeft += event.online ?? 0;
      }
    },
  });
  const wallMs = performance.now() - started;
  const results = (await readFile(join(dir, 'out', 'results.jsonl'), 'utf8')).trim().split('\n');
  const distinct = new Set(results.map((l) => (JSON.parse(l) as { id: string }).id)).size;
  const summary = run.summary.models[0];
  process.stdout.write(
    `${JSON.stringify({
      wallMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      lines: results.length,
      distinct,
      passed: summary?.passed,
      failed: summary?.failed,
      errors: summary?.errored,
      batchSettled,
      onlineLeft,
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
