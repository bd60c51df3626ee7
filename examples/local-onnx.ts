/**
 * Fine-tune and evaluate on the local ONNX backend: no cloud account, no network.
 *
 *   npx tsx examples/local-onnx.ts [dataset.csv] [out-dir]
 *
 * Prepares a text,label CSV, trains a classification head on the embedded
 * default base, evaluates the held-out split plus generated edge and
 * adversarial cases against the zero-shot base, and applies a gate.
 *
 *   npx tsx examples/local-onnx.ts <optimum export dir> <chat.jsonl> [out-dir]
 *
 * With a decoder exported by `optimum-cli export onnx --task text-generation-with-past`,
 * trains LoRA adapters on chat data instead and compares the tuned model with the
 * base on the held-out conversations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compilers,
  evaluateGate,
  JobLedger,
  parseSuite,
  prepareDataset,
  runEval,
  submitJob,
  waitForJob,
} from 'polytune';
import { createLocalOnnxProvider } from 'polytune/local-onnx';

/** True for a Hugging Face model folder (config.json with model_type), not a data file. */
function isDecoderExport(path: string | undefined): path is string {
  const config = path ? join(path, 'config.json') : '';
  return (
    Boolean(path) &&
    existsSync(config) &&
    typeof JSON.parse(readFileSync(config, 'utf8')).model_type === 'string'
  );
}

async function loraExample(baseDir: string, file: string, out: string): Promise<void> {
  const prepared = await prepareDataset({
    file,
    out: join(out, 'data'),
    seed: 7,
    split: [0.8, 0.1, 0.1],
    onInvalid: 'drop',
    compilers,
  });
  const ledger = new JobLedger({ dir: join(out, '.polytune') });
  const local = createLocalOnnxProvider({
    workDir: join(out, '.polytune', 'local-onnx'),
    execution: 'in-process',
  });
  const spec = {
    provider: 'local-onnx',
    baseModel: baseDir,
    method: 'sft' as const,
    hyperparameters: { loraRank: 8 },
  };
  const { ref } = await submitJob(local, spec, prepared, { ledger });
  const final = await waitForJob(local, ref, {
    ledger,
    intervalMs: 250,
    onEvent: (event) => console.log(`  ${event.message}`),
  });
  if (final.state !== 'succeeded')
    throw new Error(`training ended ${final.state}: ${final.error?.message ?? ''}`);
  const suite = parseSuite({
    name: 'local-lora-example',
    sources: [{ heldout: join(out, 'data') }],
    generation: { maxTokens: 64 },
  });
  const tuned = await local.model(ref);
  const base = await local.model(`local-onnx:${baseDir}`);
  const run = await runEval({
    suite,
    models: [tuned, base],
    baseline: base.id,
    out: join(out, 'eval'),
    cache: false,
  });
  for (const m of run.summary.models) console.log(`${m.model}: ${(m.passRate * 100).toFixed(1)}% exact`);
  await Promise.all([tuned.close?.(), base.close?.()]);
}

if (isDecoderExport(process.argv[2])) {
  await loraExample(
    process.argv[2],
    process.argv[3] ?? 'chat.jsonl',
    process.argv[4] ?? 'out/local-onnx-lora-example',
  );
} else {
  await classifierExample();
}

async function classifierExample(): Promise<void> {
  const file = process.argv[2] ?? 'fixtures/banking77/train.csv';
  const out = process.argv[3] ?? 'out/local-onnx-example';

  const prepared = await prepareDataset({
    file,
    out: join(out, 'data'),
    seed: 7,
    split: [0.8, 0.1, 0.1],
    onInvalid: 'drop',
    compilers,
  });
  console.log(
    `prepared ${prepared.manifest.counts.kept} examples, ${prepared.manifest.labels?.length} labels`,
  );

  const ledger = new JobLedger({ dir: join(out, '.polytune') });
  const local = createLocalOnnxProvider({
    workDir: join(out, '.polytune', 'local-onnx'),
    execution: 'in-process',
  });
  const { ref } = await submitJob(
    local,
    { provider: 'local-onnx', baseModel: 'default', method: 'classification', hyperparameters: { seed: 7 } },
    prepared,
    { ledger },
  );
  const final = await waitForJob(local, ref, {
    ledger,
    intervalMs: 250,
    onEvent: (event) => console.log(`  ${event.message}`),
  });
  if (final.state !== 'succeeded') throw new Error(`training ended ${final.state}`);

  const suite = parseSuite({
    name: 'local-example',
    labels: prepared.manifest.labels,
    sources: [{ heldout: join(out, 'data') }, { generate: ['edge', 'adversarial'], rate: 0.1, seed: 7 }],
    graders: [{ type: 'label' }],
    thresholds: ['categories.held-out.passRate >= 0.5', 'vsBaseline.delta >= 0.1'],
  });
  const tuned = await local.model(ref);
  const zeroShot = await local.model(`zero-shot:${join(out, 'data')}`);
  const run = await runEval({
    suite,
    models: [tuned, zeroShot],
    baseline: zeroShot.id,
    out: join(out, 'eval'),
    cache: false,
  });
  for (const m of run.summary.models) {
    console.log(
      `${m.model}: ${(m.passRate * 100).toFixed(1)}% [${(m.interval.low * 100).toFixed(1)}, ${(m.interval.high * 100).toFixed(1)}]`,
    );
  }
  const gate = evaluateGate(run.summary, suite.suite.thresholds, { models: [tuned.id] });
  for (const line of gate.lines)
    console.log(`${line.pass ? 'PASS' : 'FAIL'} ${line.threshold}: ${line.reason}`);
  await Promise.all([tuned.close?.(), zeroShot.close?.()]);
  process.exitCode = gate.pass ? 0 : 1;
}
