/**
 * A hyperparameter sweep on the local ONNX backend: no cloud account, no network.
 *
 *   npx tsx examples/sweep.ts [dataset.csv] [out-dir]
 *
 * Prepares a text,label CSV, trains four classifiers (epochs × hidden size),
 * judges each on the validation split, evaluates the winner once on the test
 * split against the zero-shot base, and applies the suite's thresholds to it.
 * Re-running re-attaches to the four jobs instead of training again.
 */
import { join, resolve } from 'node:path';
import { compilers, JobLedger, parseSuite, parseSweep, prepareDataset, runSweep } from 'polytune';
import { createLocalOnnxProvider } from 'polytune/local-onnx';

const file = process.argv[2] ?? 'fixtures/banking77/train.csv';
const out = resolve(process.argv[3] ?? 'out/sweep-example');
const dataDir = join(out, 'data');

await prepareDataset({ file, out: dataDir, seed: 7, split: [0.8, 0.1, 0.1], onInvalid: 'drop', compilers });
const local = createLocalOnnxProvider({
  workDir: join(out, '.polytune', 'local-onnx'),
  execution: 'in-process',
});

const suite = parseSuite({
  name: 'intents',
  sources: [{ heldout: dataDir }, { generate: ['edge', 'adversarial'], rate: 0.1, seed: 7 }],
  graders: [{ type: 'label' }],
  thresholds: ['categories.held-out.passRate >= 0.5', 'vsBaseline.delta >= 0.1'],
});
const sweep = parseSweep({
  name: 'local-grid',
  data: dataDir,
  baseline: `local-onnx:zero-shot:${dataDir}`,
  trials: [
    { provider: 'local-onnx', fixed: { seed: 7 }, grid: { epochs: [5, 15], 'extra.hidden': [128, 512] } },
  ],
  budget: { usd: 0 },
  metric: 'categories.held-out.passRate',
  select: 'lower-bound',
});

const started = Date.now();
const report = await runSweep(sweep, {
  providers: async () => local,
  suite,
  ledger: new JobLedger({ dir: join(out, '.polytune') }),
  out: join(out, 'sweep'),
  resolveModel: (ref) => local.model(ref.slice('local-onnx:'.length)),
  wait: { intervalMs: 250 },
  eval: { cache: join(out, '.polytune', 'eval-cache') },
  onEvent: (event) => {
    if (event.type === 'trial-done') {
      const v = event.result.validation;
      console.log(
        `${event.trial} epochs=${event.result.hyperparameters.epochs} hidden=${event.result.extra?.hidden}: ${event.result.status}` +
          (v
            ? ` validation ${v.value.toFixed(3)} [${v.interval?.low.toFixed(3)}, ${v.interval?.high.toFixed(3)}]`
            : '') +
          ` ${event.result.seconds} s`,
      );
    }
  },
});
const winner = report.winner;
if (!winner) throw new Error('no trial could be evaluated');
const test = winner.test;
console.log(
  `winner ${winner.trial}: validation ${winner.validation.value.toFixed(3)}; test ${test.metric?.value.toFixed(3)} ` +
    `[${test.metric?.interval?.low.toFixed(3)}, ${test.metric?.interval?.high.toFixed(3)}], ` +
    `zero-shot ${test.baseline?.categories['held-out']?.passRate.toFixed(3)}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
);
for (const line of report.gate?.lines ?? []) console.log(`${line.pass ? 'PASS' : 'FAIL'} ${line.threshold}`);
console.log(`reports: ${report.files.join(', ')}`);
