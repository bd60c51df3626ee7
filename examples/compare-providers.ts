/**
 * One suite against models from several providers: pass rate with intervals,
 * latency and cost side by side, and the Pareto-best models on cost against accuracy.
 *
 *   npx tsx examples/compare-providers.ts <prepared-dir> [model refs…]
 *
 * With no refs it compares the local fine-tuned model of the demo with its
 * zero-shot base (run `npm run demo` first); add `openai:gpt-4.1-mini`,
 * `vertex:projects/…/endpoints/…` or `sagemaker:<endpoint>` when you have accounts.
 */
import { join } from 'node:path';
import { type Model, paretoFront, parseSuite, providerEntry, readPrepared, runEval } from 'polytune';

const dataDir = process.argv[2] ?? 'polytune-demo/data';
const refs = process.argv.slice(3);

async function modelFor(ref: string): Promise<Model> {
  const at = ref.indexOf(':');
  const entry = providerEntry(ref.slice(0, at));
  if (!entry) throw new Error(`unknown provider in ${ref}`);
  return (await entry.create({})).model(ref.slice(at + 1));
}

const prepared = await readPrepared(dataDir);
const models = refs.length
  ? await Promise.all(refs.map(modelFor))
  : [await modelFor(`local-onnx:zero-shot:${dataDir}`)];
const suite = parseSuite({
  name: 'compare',
  labels: prepared.manifest.labels,
  sources: [
    { heldout: dataDir, limit: 300 },
    { generate: ['edge', 'adversarial'], rate: 0.1, seed: 1 },
  ],
  graders: prepared.manifest.kind === 'classification' ? [{ type: 'label' }] : undefined,
});
const run = await runEval({ suite, models, out: join('out', 'compare'), concurrency: 8 });
const front = paretoFront(
  run.summary.models.map((m) => ({
    model: m.model,
    accuracy: m.passRate,
    cost: m.cost.priced ? m.cost.total : undefined,
  })),
);
for (const m of run.summary.models) {
  console.log(
    `${front.has(m.model) ? '★' : ' '} ${m.model}: ${(m.passRate * 100).toFixed(1)}% [${(m.interval.low * 100).toFixed(1)}, ${(m.interval.high * 100).toFixed(1)}], p95 ${m.latency.p95.toFixed(1)} ms, ${m.cost.priced ? `$${m.cost.total.toFixed(4)}` : 'unpriced'}`,
  );
}
await Promise.all(models.map((m) => m.close?.()));
