/**
 * Supervised tuning of Gemini on Vertex AI, then evaluation of the tuned endpoint (paid).
 *
 *   gcloud auth application-default login
 *   GOOGLE_CLOUD_PROJECT=my-project POLYTUNE_VERTEX_BUCKET=my-bucket npx tsx examples/vertex.ts
 *
 * Data goes to gs://<bucket>/polytune/data/<sha256>.jsonl (uploaded once per
 * content); the tuning job carries the job key as a label, so a re-run re-attaches.
 * Preference data tunes the same way with `method: 'dpo'` (preferenceOptimizationSpec).
 */
import { join } from 'node:path';
import {
  compilersFor,
  JobLedger,
  parseSuite,
  prepareDataset,
  runEval,
  submitJob,
  waitForJob,
} from 'polytune';
import { createVertexProvider } from 'polytune/vertex';

const out = process.argv[2] ?? 'out/vertex-example';
const prepared = await prepareDataset({
  file: 'fixtures/datasets/dolly_first100.jsonl',
  out: join(out, 'data'),
  seed: 7,
  compilers: compilersFor(['vertex']),
});
// Project, location and bucket come from the environment (or pass them here); credentials from ADC.
// Gemini 3 models tune only in us-central1 or europe-west4; their tuned models are served from `us`/`eu`.
const vertex = createVertexProvider({ location: 'us-central1' });
for (const model of (await vertex.listTunableModels?.()) ?? [])
  console.log(`tunable: ${model.id} (${model.notes})`);
const spec = {
  provider: 'vertex',
  baseModel: 'gemini-2.5-flash',
  method: 'sft' as const,
  hyperparameters: { epochs: 3, learningRateMultiplier: 1 },
  suffix: 'polytune-example',
};
console.log(`estimate: ${vertex.price(spec, prepared.stats).basis}`);

const ledger = new JobLedger({ dir: join(out, '.polytune') });
const { ref } = await submitJob(vertex, spec, prepared, { ledger });
const final = await waitForJob(vertex, ref, { ledger, onEvent: (e) => console.log(`  ${e.message}`) });
if (final.state !== 'succeeded')
  throw new Error(`tuning ended ${final.state}: ${final.error?.message ?? ''}`);

const suite = parseSuite({
  name: 'dolly-vertex',
  sources: [{ heldout: join(out, 'data') }, { generate: ['edge'], rate: 0.5, seed: 7 }],
  graders: [{ type: 'similarity', metric: 'token-f1', threshold: 0.3 }],
});
const run = await runEval({
  suite,
  models: [await vertex.model(ref)],
  out: join(out, 'eval'),
  concurrency: 4,
});
console.log(run.summary.models.map((m) => `${m.model}: ${(m.passRate * 100).toFixed(1)}%`).join('\n'));
