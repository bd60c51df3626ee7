/**
 * `data prepare` (every provider format) against a bare baseline
 * (readline + JSON.parse + JSON.stringify to one file) on a synthetic chat
 * JSONL, at two input sizes, in one run. Each measurement runs in its own child
 * process so peak RSS (maxRSS) belongs to that step alone. The children run
 * this file bundled to plain JavaScript (esbuild, which tsx ships with) and
 * prepare from the built package (dist/), as users run it: no TypeScript
 * loader in the time or the RSS. `ours` uses one worker thread per core,
 * `ours-1thread` none.
 *
 *   npm run build && npx tsx bench/dataset/prepare-bench.ts [sizes, default 200000,400000] [runs, default 2]
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WORK = join(process.cwd(), 'bench', '.work');
const self = fileURLToPath(import.meta.url);

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(file: string, n: number): Promise<void> {
  const random = rng(n);
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ner',
    'tas',
    'vo',
    'pri',
    'den',
    'sul',
    'ra',
    'qui',
    'bo',
    'fen',
    'dar',
    'els',
    'ton',
  ];
  const vocab: string[] = [];
  for (let i = 0; i < 4000; i++) {
    let w = '';
    const len = 1 + Math.floor(random() * 3);
    for (let j = 0; j < len; j++) w += syllables[Math.floor(random() * syllables.length)];
    vocab.push(w);
  }
  const systems = [
    'You are a helpful support assistant for an online bank. Answer briefly and politely.',
    'You are a travel agent. Suggest options and ask one clarifying question.',
    'You answer questions about cooking. Keep answers under five sentences.',
  ];
  const sentence = (words: number) => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(vocab[Math.floor(random() * vocab.length)]!);
    return `${out.join(' ')}.`;
  };
  const stream = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const line = JSON.stringify({
      messages: [
        { role: 'system', content: systems[i % systems.length] },
        { role: 'user', content: sentence(10 + Math.floor(random() * 30)) },
        { role: 'assistant', content: sentence(20 + Math.floor(random() * 60)) },
      ],
    });
    if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

async function baseline(file: string, out: string): Promise<void> {
  const w = createWriteStream(out);
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (!line) continue;
    if (!w.write(`${JSON.stringify(JSON.parse(line))}\n`)) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
}

// The built package (`npm run build`), as users run it: its example workers load each compiler
// from its own module file, which a single-file bundle would not have.
const DIST = join(process.cwd(), 'dist');

async function ours(file: string, out: string, workers: 'auto' | 0): Promise<void> {
  const load = (path: string) => import(pathToFileURL(join(DIST, path)).href);
  const { prepareDataset } = (await load(
    'src/dataset/prepare.js',
  )) as typeof import('../../src/dataset/prepare.js');
  const { compilers } = (await load(
    'providers/compilers.js',
  )) as typeof import('../../providers/compilers.js');
  const r = await prepareDataset({ file, out, compilers, workers });
  process.stderr.write(
    `${JSON.stringify({ counts: r.manifest.counts, compiled: Object.keys(r.manifest.compiled), threads: r.threads })}\n`,
  );
}

async function child(mode: string, file: string): Promise<void> {
  const out = join(WORK, `out-${mode}`);
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  if (mode === 'baseline') await baseline(file, `${out}.jsonl`);
  else await ours(file, out, mode === 'ours-1thread' ? 0 : 'auto');
  const ms = performance.now() - t;
  const u = process.resourceUsage();
  // CPU time of the whole process (every thread): less sensitive than wall time to other load on the machine.
  const cpuMs = (u.userCPUTime + u.systemCPUTime) / 1000;
  process.stdout.write(JSON.stringify({ ms, cpuMs, maxRssMb: u.maxRSS / 1024 }));
}

const BUNDLE = join(WORK, 'dist', 'prepare-bench.js');

/** Bundles this file to plain ESM JavaScript (prepare itself is imported from dist/). */
async function bundle(): Promise<void> {
  if (!existsSync(join(DIST, 'src', 'dataset', 'prepare.js'))) throw new Error('Run `npm run build` first.');
  const { build } = await import('esbuild');
  await build({
    entryPoints: { 'prepare-bench': self },
    outdir: join(WORK, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

function measure(mode: string, file: string): Run {
  const r = spawnSync(process.execPath, [BUNDLE, '--child', mode, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  if (mode !== 'baseline') process.stderr.write(`  ${mode}: ${r.stderr.trim().split('\n').pop()}\n`);
  return JSON.parse(r.stdout);
}

type Run = { ms: number; cpuMs: number; maxRssMb: number };
const MODES = ['baseline', 'ours', 'ours-1thread'] as const;

async function parent(): Promise<void> {
  const sizes = (process.argv[2] ?? '200000,400000').split(',').map(Number);
  const repeats = Number(process.argv[3] ?? 2);
  mkdirSync(WORK, { recursive: true });
  await bundle();
  const os = await import('node:os');
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; ${repeats} runs per step (interleaved), best time and highest peak RSS kept`,
  );
  const rows: string[] = [];
  for (const n of sizes) {
    const file = join(WORK, `chat-${n}.jsonl`);
    if (!existsSync(file)) await generate(file, n);
    const { statSync } = await import('node:fs');
    const mb = statSync(file).size / 1e6;
    const runs = Object.fromEntries(MODES.map((m) => [m, [] as Run[]])) as Record<
      (typeof MODES)[number],
      Run[]
    >;
    for (let k = 0; k < repeats; k++) for (const m of MODES) runs[m].push(measure(m, file));
    const best = (xs: Run[]) => Math.min(...xs.map((x) => x.ms));
    const cpu = (xs: Run[]) => Math.min(...xs.map((x) => x.cpuMs));
    const rss = (xs: Run[]) => Math.max(...xs.map((x) => x.maxRssMb));
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const b = best(runs.baseline);
    const o = best(runs.ours);
    const o1 = best(runs['ours-1thread']);
    const bc = cpu(runs.baseline);
    const o1c = cpu(runs['ours-1thread']);
    rows.push(
      `| ${n.toLocaleString('en-US')} | ${mb.toFixed(0)} MB | ${s(b)} | ${s(o)} | **${(b / o).toFixed(2)}** | ${s(o1)} (${(b / o1).toFixed(2)}) | ${s(bc)} / ${s(o1c)} (**${(bc / o1c).toFixed(2)}**) | ${rss(runs.baseline).toFixed(0)} MB | **${rss(runs.ours).toFixed(0)} MB** | ${rss(runs['ours-1thread']).toFixed(0)} MB |`,
    );
    console.log(rows[rows.length - 1]);
  }
  console.log(
    '\n| examples | input | baseline wall | prepare wall | throughput vs baseline (wall) | prepare, 1 thread, wall (ratio) | CPU time baseline / prepare 1 thread (ratio) | baseline peak RSS | prepare peak RSS | 1-thread peak RSS |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(r);
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await parent();
