import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';

/**
 * One contender in its own process, so its peak RSS is its own:
 *   contender.ts <bare|polytune|polytune-cache> <cases> <concurrency> <port> [cases.jsonl]
 * Prints {wallMs, cpuMs, peakRssMb, passed} as JSON. The cases file is written
 * by the parent, so neither its time nor its memory is counted here.
 */
const [kind, casesArg, concurrencyArg, portArg, casesFile] = process.argv.slice(2);
const cases = Number(casesArg);
const concurrency = Number(concurrencyArg);
const baseURL = `http://127.0.0.1:${portArg}/v1`;

async function bare(): Promise<number> {
  // A plain fetch loop: C workers pulling case numbers, checking the answer. No framework.
  let next = 0;
  let passed = 0;
  const worker = async () => {
    while (next < cases) {
      const i = next++;
      const res = await fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify({
          model: 'bench-model',
          messages: [{ role: 'user', content: `case ${i}` }],
          temperature: 0,
        }),
      });
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      if (body.choices[0]?.message.content.trim() === `answer ${i}`) passed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return passed;
}

const cleanup: string[] = [];

async function polytune(cache: boolean): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-bench-'));
  // Cases come from a JSONL file, streamed, as a user's suite would.
  if (!casesFile) throw new Error('polytune needs the cases file');
  const suite = parseSuite({ name: 'bench', sources: [{ file: casesFile }] }, dir);
  const provider = createOpenAIProvider({ apiKey: 'bench-key', baseURL });
  const model = await provider.model('bench-model');
  const run = await runEval({
    suite,
    models: [model],
    out: join(dir, 'out'),
    concurrency,
    cache: cache ? join(dir, 'cache') : false,
    reports: true,
  });
  cleanup.push(dir); // removed after the clock stops
  return run.summary.models[0]?.passed ?? 0;
}

const started = performance.now();
const cpu = process.cpuUsage();
const passed = kind === 'bare' ? await bare() : await polytune(kind === 'polytune-cache');
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    passed,
  })}\n`,
);
