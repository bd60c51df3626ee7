import { spawn } from 'node:child_process';
import { arch, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runChild } from '../run-child.js';

/**
 * `eval --batch` at suite scale: N cases (default 10,000) through the OpenAI
 * Batch API path against a local Files + Batch service, and the same suite
 * online (concurrency 50) against the same service, each in its own bundled
 * process, in one run. The service fails the batch line of every 100th case,
 * so those go online; both runs must end with N distinct lines in results.jsonl
 * and the same pass/fail counts.
 *
 *   npx tsx bench/eval-batch/run.ts [--cases 10000]
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const i = args.indexOf('--cases');
const cases = i >= 0 ? Number(args[i + 1]) : 10_000;

const work = join(here, '..', '.work', 'eval-batch');
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

async function withServer<T>(use: (baseURL: string) => Promise<T>): Promise<T> {
  const server = spawn(process.execPath, [join(work, 'server.mjs'), String(cases)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const baseURL = await new Promise<string>((resolve) =>
      server.stdout.once('data', (d: Buffer) => resolve(String(d).trim())),
    );
    return await use(baseURL);
  } finally {
    server.kill();
  }
}

console.log(
  `eval --batch bench · ${cases} cases · ${cpus().length} cores (${arch()}) · Node ${process.version}`,
);
console.log(
  '| mode | wall | peak RSS | lines | distinct ids | passed | failed | errors | from batch | online |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const mode of ['online', 'batch']) {
  // A fresh service per run, so the batch run cannot reuse the online run's state.
  const out = await withServer((baseURL) =>
    runChild(process.execPath, [join(work, 'contender.mjs'), mode, String(cases), baseURL]),
  );
  const f = JSON.parse(out.trim().split('\n').at(-1) as string);
  console.log(
    `| ${mode} | ${(f.wallMs / 1000).toFixed(1)} s | ${Math.round(f.peakRssMb)} MB | ${f.lines} | ${f.distinct} | ${f.passed} | ${f.failed} | ${f.errors} | ${mode === 'batch' ? f.batchSettled : '–'} | ${mode === 'batch' ? f.onlineLeft : f.lines} |`,
  );
}
