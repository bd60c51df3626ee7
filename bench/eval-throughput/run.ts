import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runChild } from '../run-child.js';

/**
 * Eval throughput: N cases against a local OpenAI-compatible server that
 * answers after L ms, at concurrency C. In one run: a bare fetch loop, the
 * polytune runner (through the real OpenAI provider Model, with reports
 * written), and promptfoo when installed (see NOTES.md). Each runs in its own
 * process so peak RSS is its own.
 *
 *   npx tsx bench/eval-throughput/run.ts [--cases 10000] [--concurrency 100] [--latency 20]
 *        [--promptfoo <dir with node_modules/promptfoo>] [--also 100000] [--rounds 3] [--before <commit>]
 *
 * --before <commit> also runs polytune as it was at that commit (its evals/,
 * src/ and providers/ extracted with git archive, driven by today's contender),
 * so before and after come from the same run.
 * With --rounds R the contenders run R times, interleaved (bare, polytune, …,
 * bare, polytune, …) so that load from other work hits them alike; the table
 * gives each round and the median.
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
const rounds = Number(flag('rounds', '1'));
const before = flag('before');

const run = runChild;

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'server.ts'), String(L)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  return { port, stop: () => child.kill() };
}

/** The server process's own peak RSS, so it can be told apart from the contenders'. */
async function serverPeakRssMb(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return ((await res.json()) as { peakRssMb: number }).peakRssMb;
}

/** The suite file polytune streams; written here so its cost is not the contender's. */
async function casesFile(cases: number): Promise<string> {
  const dir = join(here, '..', '.work', 'eval-throughput');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `cases-${cases}.jsonl`);
  const lines: string[] = [];
  for (let i = 0; i < cases; i++)
    lines.push(JSON.stringify({ id: `c${i}`, input: `case ${i}`, expected: `answer ${i}` }));
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

interface Figure {
  name: string;
  cases: number;
  round: number;
  wallMs: number;
  /** User + system CPU of the contender process (less sensitive to other load than wall time). */
  cpuMs?: number;
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

/** The contender bundled against the code of an earlier commit. */
async function bundleAt(commit: string): Promise<string> {
  const root = join(here, '..', '..');
  const dir = await mkdtemp(join(tmpdir(), 'polytune-before-'));
  await run('bash', [
    '-c',
    `git -C "${root}" archive "${commit}" evals src providers package.json | tar -x -C "${dir}"`,
  ]);
  await mkdir(join(dir, 'bench', 'eval-throughput'), { recursive: true });
  await writeFile(
    join(dir, 'bench', 'eval-throughput', 'contender.ts'),
    await readFile(join(here, 'contender.ts'), 'utf8'),
  );
  const out = join(here, '..', '.work', 'eval-throughput', `contender-${commit}.mjs`);
  await build({
    entryPoints: [join(dir, 'bench', 'eval-throughput', 'contender.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
    nodePaths: [join(root, 'node_modules')],
  });
  await rm(dir, { recursive: true, force: true });
  return out;
}
const beforeBundle = before ? await bundleAt(before) : undefined;

async function contender(
  kind: string,
  cases: number,
  port: number,
  round: number,
  file?: string,
  code = bundle,
): Promise<Figure> {
  const out = await run(process.execPath, [
    code,
    kind,
    String(cases),
    String(C),
    String(port),
    ...(file ? [file] : []),
  ]);
  return {
    name: code === bundle ? kind : `${kind}@${before}`,
    cases,
    round,
    ...(JSON.parse(out.trim().split('\n').at(-1) as string) as Omit<Figure, 'name' | 'cases' | 'round'>),
  };
}

/** promptfoo on the same server and cases; peak RSS from GNU time (the whole process). */
async function promptfoo(cases: number, port: number, round: number): Promise<Figure | undefined> {
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
  await rm(dir, { recursive: true, force: true });
  return {
    name: 'promptfoo',
    cases,
    round,
    wallMs,
    peakRssMb,
    passed: result.results?.stats?.successes ?? -1,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const server = await startServer();
try {
  const figures: Figure[] = [];
  // Warm the server once (JIT, sockets) so the first contender is not penalised.
  await contender('bare', 1000, server.port, 0);
  for (const size of [N, ...(also ? [Number(also)] : [])]) {
    const file = await casesFile(size);
    for (let round = 1; round <= rounds; round++) {
      figures.push(await contender('bare', size, server.port, round));
      figures.push(await contender('bare-http', size, server.port, round));
      figures.push(await contender('sdk', size, server.port, round));
      if (beforeBundle)
        figures.push(await contender('polytune', size, server.port, round, file, beforeBundle));
      figures.push(await contender('polytune', size, server.port, round, file));
      if (size === N) {
        figures.push(await contender('polytune-cache', size, server.port, round, file));
        if (beforeBundle)
          figures.push(await contender('runner', size, server.port, round, file, beforeBundle));
        figures.push(await contender('runner', size, server.port, round, file));
        const pf = await promptfoo(size, server.port, round);
        if (pf) figures.push(pf);
      }
    }
  }
  const serverRss = await serverPeakRssMb(server.port);
  const ideal = (cases: number) => (cases * L) / C;
  const bareOf = (f: Figure) =>
    figures.find((b) => b.name === 'bare' && b.cases === f.cases && b.round === f.round) as Figure;
  console.log(
    `eval throughput · C=${C} · L=${L} ms · ${cpus().length} cores (${arch()}) · Node ${process.version} · ${new Date().toISOString().slice(0, 10)} · ${rounds} round(s)`,
  );
  const header = 'contender          cases round     wall   ×bare  ×ideal   cpu ×bare  peak RSS  passed';
  const row = (f: Omit<Figure, 'round'> & { round: string }, ratio: number, cpuRatio: number) =>
    `${f.name.padEnd(18)} ${String(f.cases).padStart(6)} ${f.round.padStart(5)} ${(f.wallMs / 1000).toFixed(2).padStart(7)} s ${ratio.toFixed(2).padStart(6)} ${(f.wallMs / ideal(f.cases)).toFixed(2).padStart(7)} ${Number.isFinite(cpuRatio) ? cpuRatio.toFixed(2).padStart(9) : '        –'} ${f.peakRssMb.toFixed(0).padStart(6)} MB ${String(f.passed).padStart(7)}`;
  console.log(header);
  for (const f of figures) {
    const b = bareOf(f);
    console.log(
      row(
        { ...f, round: String(f.round) },
        f.wallMs / b.wallMs,
        (f.cpuMs ?? Number.NaN) / (b.cpuMs ?? Number.NaN),
      ),
    );
  }
  if (rounds > 1) {
    console.log(`\nmedian of ${rounds} rounds (ratios are medians of the per-round ratios)`);
    console.log(header);
    const groups = new Map<string, Figure[]>();
    for (const f of figures) {
      const key = `${f.name}\u0000${f.cases}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    for (const group of groups.values()) {
      const first = group[0] as Figure;
      console.log(
        row(
          {
            name: first.name,
            cases: first.cases,
            round: 'med',
            wallMs: median(group.map((f) => f.wallMs)),
            peakRssMb: median(group.map((f) => f.peakRssMb)),
            passed: median(group.map((f) => f.passed)),
          },
          median(group.map((f) => f.wallMs / bareOf(f).wallMs)),
          median(group.map((f) => (f.cpuMs ?? Number.NaN) / (bareOf(f).cpuMs ?? Number.NaN))),
        ),
      );
    }
  }
  for (const name of new Set(figures.filter((f) => f.name.startsWith('runner')).map((f) => f.name))) {
    const perCase = figures
      .filter((f) => f.name === name)
      .map((f) => ((f.cpuMs ?? Number.NaN) * 1000) / f.cases);
    console.log(
      `${name}: CPU per case ${median(perCase).toFixed(0)} µs (median; rounds ${perCase.map((x) => x.toFixed(0)).join(', ')})`,
    );
  }
  console.log(`\nserver process (not counted above): peak RSS ${serverRss.toFixed(0)} MB`);
} finally {
  server.stop();
}
