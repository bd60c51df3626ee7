import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';

/**
 * One contender in its own process, so its peak RSS is its own:
 *   contender.ts <bare|bare-http|sdk|polytune|polytune-cache|runner> <cases> <concurrency> <port> [cases.jsonl]
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

/**
 * The same loop over node:http with a keep-alive agent: the transport polytune's
 * OpenAI Model uses, so the floor for polytune's own overhead. Shown beside the
 * fetch loop (the "bare client"), not instead of it.
 */
async function bareHttp(): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(`${baseURL}/chat/completions`);
  const post = (body: string) =>
    new Promise<{ choices: { message: { content: string } }[] }>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            authorization: 'Bearer bench',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  let passed = 0;
  const worker = async () => {
    while (next < cases) {
      const i = next++;
      const body = await post(
        JSON.stringify({
          model: 'bench-model',
          messages: [{ role: 'user', content: `case ${i}` }],
          temperature: 0,
        }),
      );
      if (body.choices[0]?.message.content.trim() === `answer ${i}`) passed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return passed;
}

/**
 * polytune's OpenAI Model (the openai SDK, its undici Agent) in the bare loop: no
 * runner. What every request costs through the official SDK, so the floor
 * for the runner, and polytune ÷ sdk is the runner's own share.
 */
async function sdk(): Promise<number> {
  const model = await createOpenAIProvider({ apiKey: 'bench-key', baseURL }).model('bench-model');
  let next = 0;
  let passed = 0;
  const worker = async () => {
    while (next < cases) {
      const i = next++;
      const generation = await model.generate({ input: `case ${i}`, temperature: 0 });
      if (generation.text.trim() === `answer ${i}`) passed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return passed;
}

const cleanup: string[] = [];

/**
 * The runner alone: `runEval` (equals grader, results.jsonl, all four reports) on a
 * Model that answers in memory, no HTTP. Its CPU per case is the runner's own
 * cost, undisturbed by the server or the SDK competing for the same cores.
 */
async function runnerOnly(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-bench-'));
  if (!casesFile) throw new Error('runner needs the cases file');
  const suite = parseSuite({ name: 'bench', sources: [{ file: casesFile }] }, dir);
  const model = {
    id: 'in-memory',
    provider: 'bench',
    async generate(request: { input: unknown }) {
      const text = typeof request.input === 'string' ? request.input : '';
      return {
        text: `answer ${text.slice(5)}`,
        latencyMs: 0,
        usage: { inputTokens: 3, outputTokens: 2 },
      };
    },
  };
  const run = await runEval({
    suite,
    models: [model as unknown as Parameters<typeof runEval>[0]['models'][number]],
    out: join(dir, 'out'),
    concurrency,
    cache: false,
    reports: true,
  });
  cleanup.push(dir);
  return run.summary.models[0]?.passed ?? 0;
}

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
const passed =
  kind === 'bare'
    ? await bare()
    : kind === 'bare-http'
      ? await bareHttp()
      : kind === 'sdk'
        ? await sdk()
        : kind === 'runner'
          ? await runnerOnly()
          : await polytune(kind === 'polytune-cache');
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
