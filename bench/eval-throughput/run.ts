import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Eval throughput: N cases against a local OpenAI-compatible server that
 * answers after L ms, at concurrency C. In one run: a bare fetch loop, the
 * polytune runner (through the real OpenAI provider Model, with reports
 * written), and promptfoo when installed (see NOTES.md). Each runs in its own
 * process so peak RSS is its own.
 *
 *   npx tsx bench/eval-throughput/run.ts [--cases 10000] [--concurrency 100] [--latency 20]
 *        [--promptfoo <dir with node_modules/promptfoo>] [--also 100000]
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const N = Number(flag('cases', '10000'));
const C = Number(flag('concurrency', '100'));
const L = Number(flag('latency', '20'));
const also = flag('also');
const promptfooDir = flag('promptfoo');

function run(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'server.ts'), String(L)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  return { port, stop: () => child.kill() };
}

interface Figure {
  name: string;
  cases: number;
  wallMs: number;
  peakRssMb: number;
  passed: number;
}

// The contender is bundled (dependencies left external) so no TypeScript loader sits in its memory.
const bundle = join(here, '..', '.work', 'eval-throughput', 'contender.mjs');
await build({
  entryPoints: [join(here, 'contender.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: bundle,
  logLevel: 'error',
});

async function contender(kind: string, cases: number, port: number): Promise<Figure> {
  const out = await run(process.execPath, [bundle, kind, String(cases), String(C), String(port)]);
  return {
    name: kind,
    cases,
    ...(JSON.parse(out.trim().split('\n').at(-1) as string) as Omit<Figure, 'name' | 'cases'>),
  };
}

/** promptfoo on the same server and cases; peak RSS from GNU time (the whole process). */
async function promptfoo(cases: number, port: number): Promise<Figure | undefined> {
  if (!promptfooDir) return undefined;
  const cli = join(promptfooDir, 'node_modules', 'promptfoo', 'dist', 'src', 'main.js');
  if (!existsSync(cli)) throw new Error(`promptfoo not found at ${cli}; see bench/eval-throughput/NOTES.md`);
  const dir = await mkdtemp(join(tmpdir(), 'promptfoo-bench-'));
  const tests = Array.from(
    { length: cases },
    (_, i) => `  - vars: { n: "${i}" }\n    assert: [{ type: equals, value: "answer ${i}" }]`,
  ).join('\n');
  await writeFile(
    join(dir, 'promptfooconfig.yaml'),
    `prompts: ["case {{n}}"]\nproviders:\n  - id: openai:chat:bench-model\n    config: { apiBaseUrl: "http://127.0.0.1:${port}/v1", apiKey: bench, temperature: 0 }\ntests:\n${tests}\n`,
  );
  const env = {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: '1',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'),
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
  };
  const started = performance.now();
  await run(
    '/usr/bin/time',
    [
      '-o',
      join(dir, 'time.txt'),
      '-f',
      '%M',
      process.execPath,
      cli,
      'eval',
      '-c',
      'promptfooconfig.yaml',
      '-j',
      String(C),
      '--no-cache',
      '--no-progress-bar',
      '-o',
      'out.json',
    ],
    env,
    dir,
  );
  const wallMs = performance.now() - started;
  const peakRssMb = Number((await readFile(join(dir, 'time.txt'), 'utf8')).trim().split('\n').at(-1)) / 1024;
  const result = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as {
    results?: { stats?: { successes?: number } };
  };
  return { name: 'promptfoo', cases, wallMs, peakRssMb, passed: result.results?.stats?.successes ?? -1 };
}

const server = await startServer();
try {
  const figures: Figure[] = [];
  // Warm the server once (JIT, sockets) so the first contender is not penalised.
  await contender('bare', 1000, server.port);
  for (const size of [N, ...(also ? [Number(also)] : [])]) {
    figures.push(await contender('bare', size, server.port));
    figures.push(await contender('polytune', size, server.port));
    if (size === N) {
      figures.push(await contender('polytune-cache', size, server.port));
      const pf = await promptfoo(size, server.port);
      if (pf) figures.push(pf);
    }
  }
  const ideal = (cases: number) => (cases * L) / C;
  const bareFor = (cases: number) =>
    figures.find((f) => f.name === 'bare' && f.cases === cases)?.wallMs ?? Number.NaN;
  console.log(
    `eval throughput · C=${C} · L=${L} ms · ${cpus().length} cores (${arch()}) · Node ${process.version} · ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log('contender        cases     wall      ×bare   ×ideal  peak RSS  passed');
  for (const f of figures) {
    console.log(
      `${f.name.padEnd(16)} ${String(f.cases).padStart(6)} ${(f.wallMs / 1000).toFixed(2).padStart(7)} s ${(f.wallMs / bareFor(f.cases)).toFixed(2).padStart(7)} ${(f.wallMs / ideal(f.cases)).toFixed(2).padStart(7)} ${f.peakRssMb.toFixed(0).padStart(6)} MB ${String(f.passed).padStart(7)}`,
    );
  }
} finally {
  server.stop();
}
