/**
 * Import cost of `polytune` and of each subpath export, against bare Node, in one run.
 *
 *   npm run build && npx tsx bench/import/run.ts [rounds=7]
 *
 * Each figure comes from its own child process running the built package (dist/, as users
 * import it): milliseconds from process start to the end of the import (`performance.now()`,
 * whose origin is the process start) and the resident set size after it. Rounds interleave
 * the entries so machine load hits them alike; medians are printed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runChild } from '../run-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rounds = Number(process.argv[2] ?? 7);

const PROVIDERS = ['polytune/openai', 'polytune/vertex', 'polytune/sagemaker', 'polytune/local-onnx'];
// The core and all four providers in one process: what `import 'polytune'` loaded before the
// providers moved to subpaths (the old index imported every factory statically), the baseline.
const EVERYTHING = 'polytune + every provider (before)';

// '' is bare Node: the same script with no import.
const entries = ['', 'polytune', 'polytune/evals', ...PROVIDERS, EVERYTHING];

const importsOf = (entry: string) =>
  entry === EVERYTHING ? ['polytune', ...PROVIDERS] : entry ? [entry] : [];

const script = (entry: string) =>
  importsOf(entry)
    .map((specifier) => `await import(${JSON.stringify(specifier)});`)
    .join('') +
  'console.log(JSON.stringify({ ms: performance.now(), rssMb: process.memoryUsage().rss / 2 ** 20 }));';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  if (!existsSync(`${root}/dist/src/index.js`))
    throw new Error('Run `npm run build` first: the bench imports dist/.');
  const samples = new Map<string, { ms: number[]; rss: number[] }>(
    entries.map((e) => [e, { ms: [], rss: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const entry of entries) {
      const out = await runChild(
        process.execPath,
        ['--input-type=module', '-e', script(entry)],
        process.env,
        root,
      );
      const { ms, rssMb } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
        ms: number;
        rssMb: number;
      };
      samples.get(entry)?.ms.push(ms);
      samples.get(entry)?.rss.push(rssMb);
    }
  }
  const bare = samples.get('') ?? { ms: [], rss: [] };
  const bareMs = median(bare.ms);
  const bareRss = median(bare.rss);
  console.log(`Node ${process.version}, ${rounds} rounds, medians`);
  console.log('| import | ms from start | above bare Node | RSS MB | above bare Node |');
  console.log('|---|---:|---:|---:|---:|');
  for (const entry of entries) {
    const s = samples.get(entry) ?? { ms: [], rss: [] };
    const ms = median(s.ms);
    const rss = median(s.rss);
    console.log(
      `| ${entry || "node -e ''"} | ${ms.toFixed(0)} | ${entry ? `+${(ms - bareMs).toFixed(0)}` : '–'} | ${rss.toFixed(0)} | ${entry ? `+${(rss - bareRss).toFixed(0)}` : '–'} |`,
    );
  }
}

await main();
