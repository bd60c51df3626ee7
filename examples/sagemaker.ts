/**
 * Fine-tune Llama 3.2 3B Instruct with SageMaker JumpStart, deploy an endpoint,
 * evaluate it, and tear the endpoint down (paid: training and endpoint hours).
 * The model's image, weights, scripts and hyperparameters come from its
 * JumpStart hub document (DescribeHubContent), read by `prepare`.
 *
 *   AWS_REGION=us-east-1 POLYTUNE_SAGEMAKER_ROLE_ARN=arn:aws:iam::…:role/… \
 *   POLYTUNE_SAGEMAKER_BUCKET=my-bucket npx tsx examples/sagemaker.ts
 *
 * The training job's name is derived from the job key, so a re-run finds the
 * same job (`ResourceInUse` means it exists) and never starts a second one.
 */
import { join } from 'node:path';
import {
  compilersFor,
  JobLedger,
  PolytuneError,
  parseSuite,
  prepareDataset,
  runEval,
  submitJob,
  waitForJob,
} from 'polytune';
import { createSageMakerProvider } from 'polytune/sagemaker';

const roleArn = process.env.POLYTUNE_SAGEMAKER_ROLE_ARN;
const bucket = process.env.POLYTUNE_SAGEMAKER_BUCKET;
if (!roleArn || !bucket) {
  throw new PolytuneError('USAGE', 'Set POLYTUNE_SAGEMAKER_ROLE_ARN and POLYTUNE_SAGEMAKER_BUCKET.', {
    hint: 'The role needs SageMaker training and S3 access to the bucket; see README "SageMaker".',
  });
}
const out = process.argv[2] ?? 'out/sagemaker-example';
const prepared = await prepareDataset({
  file: 'fixtures/datasets/dolly_first100.jsonl',
  out: join(out, 'data'),
  seed: 7,
  compilers: compilersFor(['sagemaker']),
});
const sagemaker = createSageMakerProvider({ region: process.env.AWS_REGION, roleArn, bucket });
const spec = {
  provider: 'sagemaker',
  baseModel: 'meta-textgeneration-llama-3-2-3b-instruct',
  method: 'sft' as const,
  hyperparameters: { epochs: 1, learningRate: 1e-4, loraRank: 8 },
  // Llama is gated: this accepts Meta's licence (read it first; the plan names its URI).
  providerHyperparameters: { accept_eula: true },
};
await sagemaker.prepare(spec, prepared); // reads the hub document and the data's lengths
for (const issue of sagemaker.validate(prepared.stats, spec))
  console.log(`${issue.severity} ${issue.code}: ${issue.message}`);
console.log(`estimate: ${sagemaker.price(spec, prepared.stats).basis}`);

const ledger = new JobLedger({ dir: join(out, '.polytune') });
const { ref } = await submitJob(sagemaker, spec, prepared, { ledger });
const final = await waitForJob(sagemaker, ref, { ledger, onEvent: (e) => console.log(`  ${e.message}`) });
if (final.state !== 'succeeded')
  throw new Error(`training ended ${final.state}: ${final.error?.message ?? ''}`);

const deployment = await sagemaker.deploy(ref);
console.log(`endpoint ${deployment.endpointName} is in service`);
try {
  const suite = parseSuite({
    name: 'dolly-sagemaker',
    sources: [{ heldout: join(out, 'data') }],
    graders: [{ type: 'similarity', metric: 'rouge-l', threshold: 0.3 }],
    generation: { maxTokens: 256, temperature: 0 },
  });
  const run = await runEval({
    suite,
    models: [await sagemaker.model(ref)],
    out: join(out, 'eval'),
    concurrency: 2,
  });
  console.log(`pass rate ${(run.summary.models[0]!.passRate * 100).toFixed(1)}%`);
} finally {
  // An endpoint bills by the hour until deleted.
  console.log(`deleted ${(await sagemaker.undeploy(ref)).join(', ')}`);
}
