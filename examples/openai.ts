/**
 * Fine-tune on OpenAI and evaluate the tuned model (needs OPENAI_API_KEY; paid).
 *
 *   OPENAI_API_KEY=… npx tsx examples/openai.ts [dataset.jsonl] [out-dir]
 *
 * With `createOpenAIProvider({ azure: {…} })` the same script runs on Azure
 * OpenAI; there the tuned model must be deployed first (`openai.deploy?.(ref, { wait: true })`,
 * Developer tier by default) before `openai.model(ref)` can serve it.
 *
 * Re-running it never starts a second paid job: the job key (a hash of the
 * data, provider, base model and hyperparameters) is in the ledger and on the
 * remote job's metadata, so a retried or crashed run re-attaches.
 */
import { join } from 'node:path';
import {
  compilersFor,
  evaluateGate,
  JobLedger,
  PolytuneError,
  parseSuite,
  prepareDataset,
  runEval,
  submitJob,
  waitForJob,
} from 'polytune';
import { createOpenAIProvider } from 'polytune/openai';

if (!process.env.OPENAI_API_KEY) {
  throw new PolytuneError('AUTH', 'OPENAI_API_KEY is not set.', {
    hint: 'Export your key, then run this again.',
  });
}
const file = process.argv[2] ?? 'fixtures/datasets/dolly_first100.jsonl';
const out = process.argv[3] ?? 'out/openai-example';

const prepared = await prepareDataset({
  file,
  out: join(out, 'data'),
  seed: 7,
  compilers: compilersFor(['openai']),
});
const openai = createOpenAIProvider();
const spec = {
  provider: 'openai',
  baseModel: 'gpt-4.1-mini-2025-04-14',
  method: 'sft' as const,
  hyperparameters: { epochs: 3, seed: 7 },
  suffix: 'polytune-example',
};
// OpenAI is winding down self-serve fine-tuning: check the dated calendar before paying for anything.
for (const m of (await openai.listTunableModels?.()) ?? []) {
  console.log(`tunable: ${m.id} (${m.methods.join(', ')})${m.shutdownAt ? ` until ${m.shutdownAt}` : ''}`);
}
for (const issue of openai.validate(prepared.stats, spec)) console.log(`${issue.severity}: ${issue.message}`);
const estimate = openai.price(spec, prepared.stats);
console.log(
  `estimate: ~$${estimate.amount.toFixed(2)} (${estimate.basis})${estimate.note ? `; ${estimate.note}` : ''}`,
);

const ledger = new JobLedger({ dir: join(out, '.polytune') });
const { ref, reattached } = await submitJob(openai, spec, prepared, { ledger });
console.log(`${reattached ? 're-attached to' : 'submitted'} ${ref.remoteId}`);
const final = await waitForJob(openai, ref, {
  ledger,
  onEvent: (e) => console.log(`  ${e.at} ${e.message}`),
});
if (final.state !== 'succeeded') throw new Error(`job ended ${final.state}: ${final.error?.message ?? ''}`);

const suite = parseSuite({
  name: 'dolly-openai',
  sources: [{ heldout: join(out, 'data') }, { generate: ['adversarial'], rate: 0.5, seed: 7 }],
  graders: [{ type: 'similarity', metric: 'rouge-l', threshold: 0.3 }],
  thresholds: ['categories.held-out.passRate >= 0.5'],
});
const tuned = await openai.model(ref);
const base = await openai.model(spec.baseModel);
const run = await runEval({
  suite,
  models: [tuned, base],
  baseline: base.id,
  out: join(out, 'eval'),
  concurrency: 4,
});
const gate = evaluateGate(run.summary, suite.suite.thresholds, { models: [tuned.id] });
console.log(`reports: ${run.files.join(', ')}; gate ${gate.pass ? 'passed' : 'failed'}`);
process.exitCode = gate.pass ? 0 : 1;
