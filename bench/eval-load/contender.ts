import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';

/**
 * One contender in its own process (run with --expose-gc):
 *   contender.mjs <bare|polytune> <cases> <concurrency> <baseURL>
 * Samples the live heap (after a full GC) at every 5% of results; prints {wallMs, peakRssMb,
 * heapAfterGcMb, heapSamplesMb, passed, errors, results} as JSON.
 */
const [kind, casesArg, concurrencyArg, baseURL] = process.argv.slice(2) as [string, string, string, string];
const cases = Number(casesArg);
const concurrency = Number(concurrencyArg);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const samples: number[] = [];
const step = Math.max(1, Math.floor(cases / 20));
let finished = 0;
// Live heap after a full GC at every 5% of results: what the run retains, not what awaits collection.
const onResult = () => {
  if (++finished % step === 0) {
    gc();
    samples.push(process.memoryUsage().heapUsed / 2 ** 20);
  }
};

/** A plain fetch loop with the same retry budget (4 retries, Retry-After honoured, 10 ms backoff). */
async function bare(): Promise<{ passed: number; errors: number; results: number }> {
  let next = 0;
  let passed = 0;
  let errors = 0;
  const worker = async () => {
    while (next < cases) {
      const i = next++;
      let text: string | undefined;
      for (let attempt = 0; attempt < 5 && text === undefined; attempt++) {
        try {
          const res = await fetch(`${baseURL}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
            body: JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `case ${i}` }] }),
          });
          if (!res.ok) {
            await res.arrayBuffer().catch(() => undefined);
            const after = Number(res.headers.get('retry-after') ?? Number.NaN);
            await new Promise((r) =>
              setTimeout(r, Number.isFinite(after) ? after * 1000 : 10 * 2 ** attempt),
            );
            continue;
          }
          const body = (await res.json()) as { choices: { message: { content: string } }[] };
          text = body.choices[0]?.message.content ?? '';
        } catch {
          await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
        }
      }
      if (text === undefined) errors++;
      else if (text.trim() === `answer ${i}`) passed++;
      onResult();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { passed, errors, results: finished };
}

/** runEval through the OpenAI provider's Model, cases streamed from JSONL, results.jsonl and all reports. */
async function polytune(): Promise<{ passed: number; errors: number; results: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-load-'));
  const lines: string[] = [];
  for (let i = 0; i < cases; i++)
    lines.push(JSON.stringify({ id: `c${i}`, input: `case ${i}`, expected: `answer ${i}` }));
  await writeFile(join(dir, 'cases.jsonl'), `${lines.join('\n')}\n`);
  lines.length = 0;
  const suite = parseSuite({ name: 'load', sources: [{ file: 'cases.jsonl' }] }, dir);
  const model = await createOpenAIProvider({ apiKey: 'bench-key', baseURL, requestTimeoutMs: 30_000 }).model(
    'bench',
  );
  const run = await runEval({
    suite,
    models: [model],
    out: join(dir, 'out'),
    concurrency,
    cache: false,
    retry: { retries: 4, baseDelayMs: 10, maxDelayMs: 1000 },
    onEvent: (event) => {
      if (event.type === 'case') onResult();
    },
  });
  await rm(dir, { recursive: true, force: true });
  const m = run.summary.models[0];
  return { passed: m?.passed ?? 0, errors: m?.errored ?? 0, results: run.counts.written };
}

const started = performance.now();
const outcome = kind === 'bare' ? await bare() : await polytune();
const wallMs = performance.now() - started;
gc();
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterGcMb: process.memoryUsage().heapUsed / 2 ** 20,
    heapSamplesMb: samples,
    ...outcome,
  })}\n`,
);
