import { spawn } from 'node:child_process';
import { arch, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runChild } from '../run-child.js';

/**
 * Eval under load and faults: does memory stay flat as the suite grows?
 * N cases (default 10,000 then 100,000) against the fault-injecting local
 * server (about 5% of first attempts fail: 429 with Retry-After, 503, reset,
 * malformed JSON), concurrency C. In one run, each in its own process: a bare
 * fetch loop with the same retry budget, and polytune's runEval through the
 * OpenAI provider Model writing results.jsonl and all reports.
 *
 *   npx tsx bench/eval-load/run.ts [--sizes 10000,100000] [--concurrency 50] [--cap 64]
 *
 * With --cap, polytune runs once more at the largest size with V8's old space
 * capped at that many MB: finishing there shows the run needs no memory that
 * grows with the number of cases (RSS growth is then V8 sizing, not retention).
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const sizes = flag('sizes', '10000,100000').split(',').map(Number);
const C = Number(flag('concurrency', '50'));
const cap = flag('cap', '');

const run = (argv: string[]) => runChild(process.execPath, argv);

// Bundled (dependencies external) so no TypeScript loader sits in the measured processes.
const work = join(here, '..', '.work', 'eval-load');
for (const name of ['contender', 'server']) {
  await build({
    entryPoints: [join(here, `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: join(work, `${name}.mjs`),
    logLevel: 'error',
  });
}

const server = spawn(process.execPath, [join(work, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const baseURL = await new Promise<string>((resolve) =>
  server.stdout.once('data', (d: Buffer) => resolve(String(d).trim())),
);

interface Figure {
  name: string;
  cases: number;
  wallMs: number;
  peakRssMb: number;
  heapAfterGcMb: number;
  heapSamplesMb: number[];
  passed: number;
  errors: number;
  results: number;
}

try {
  const figures: Figure[] = [];
  await run(['--expose-gc', join(work, 'contender.mjs'), 'bare', '2000', String(C), baseURL]); // warm-up
  const runs: { name: string; cases: number; node: string[] }[] = [];
  for (const cases of sizes) for (const name of ['bare', 'polytune']) runs.push({ name, cases, node: [] });
  if (cap)
    runs.push({
      name: `polytune@${cap}MB`,
      cases: sizes.at(-1) as number,
      node: [`--max-old-space-size=${cap}`],
    });
  for (const { name, cases, node } of runs) {
    const kind = name.startsWith('polytune') ? 'polytune' : 'bare';
    const out = await run([
      ...node,
      '--expose-gc',
      join(work, 'contender.mjs'),
      kind,
      String(cases),
      String(C),
      baseURL,
    ]);
    figures.push({
      name,
      cases,
      ...(JSON.parse(out.trim().split('\n').at(-1) as string) as Omit<Figure, 'name' | 'cases'>),
    });
  }
  console.log(
    `eval under load and faults · C=${C} · ~5% first attempts fail · ${cpus().length} cores (${arch()}) · Node ${process.version} · ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(
    'contender       cases     wall   peak RSS  live heap 5%→100%  after run  results  passed  errors',
  );
  for (const f of figures) {
    const s = f.heapSamplesMb;
    console.log(
      `${f.name.padEnd(14)} ${String(f.cases).padStart(7)} ${(f.wallMs / 1000).toFixed(1).padStart(6)} s ${f.peakRssMb.toFixed(0).padStart(6)} MB ${`${(s[0] ?? 0).toFixed(0)}→${(s.at(-1) ?? 0).toFixed(0)} MB`.padStart(13)} ${f.heapAfterGcMb.toFixed(1).padStart(10)} MB ${String(f.results).padStart(8)} ${String(f.passed).padStart(7)} ${String(f.errors).padStart(7)}`,
    );
  }
  for (const name of ['bare', 'polytune']) {
    const [small, large] = [sizes[0], sizes.at(-1)].map((n) =>
      figures.find((f) => f.name === name && f.cases === n),
    );
    if (small && large && small !== large)
      console.log(
        `${name}: peak RSS ${small.peakRssMb.toFixed(0)} → ${large.peakRssMb.toFixed(0)} MB (${((large.peakRssMb / small.peakRssMb - 1) * 100).toFixed(0)}%) for ${large.cases / small.cases}× the cases; retained heap ${small.heapAfterGcMb.toFixed(1)} → ${large.heapAfterGcMb.toFixed(1)} MB`,
      );
  }
} finally {
  server.kill('SIGTERM');
}
