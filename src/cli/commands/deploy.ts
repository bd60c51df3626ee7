import type { Command } from 'commander';
import { PolytuneError } from '../../errors.js';
import type { JobLedger } from '../../jobs/job-ledger.js';
import type { DeploymentRecord, JobRecord } from '../../jobs/job-record.js';
import { resolveJob } from '../../jobs/resolve-job.js';
import type { JobEvent, JobRef, Provider } from '../../provider.js';
import { out } from '../output.js';
import { providerContext } from '../provider-settings.js';

/**
 * `polytune deploy <job>` / `polytune undeploy <job>`: put a finished job's
 * model behind an endpoint (SageMaker) and take it down again. A deployment is
 * written to the job's ledger record, so `polytune jobs list` shows what is
 * still running (and billing).
 */

/** What a provider that hosts its own endpoints offers (SageMaker today). */
interface DeployCapable {
  deploy(
    ref: JobRef,
    options: {
      instanceType?: string;
      instanceCount?: number;
      wait?: boolean;
      signal?: AbortSignal;
      onEvent?(event: JobEvent): void;
      /** Called once the provider's resources exist, before waiting: the CLI records them then. */
      onCreated?(deployment: DeployedResource): void | Promise<void>;
    },
  ): Promise<DeployedResource>;
  undeploy(ref: JobRef, options?: { signal?: AbortSignal }): Promise<string[]>;
}

/** A deployment as a provider reports it; extra fields land in the ledger's `detail`. */
interface DeployedResource {
  endpointName: string;
  status: string;
  instanceType: string;
  instanceCount: number;
  createdAt: string;
  perHour?: number;
  [detail: string]: unknown;
}

function deployCapable(provider: Provider): Provider & DeployCapable {
  const candidate = provider as Provider & Partial<DeployCapable>;
  if (typeof candidate.deploy !== 'function' || typeof candidate.undeploy !== 'function') {
    throw new PolytuneError(
      'UNSUPPORTED',
      `The ${provider.id} provider has nothing to deploy: it serves tuned models itself.`,
      {
        hint: 'Use the model directly (`polytune eval --model …`); only SageMaker jobs and Azure OpenAI fine-tunes (`providers.openai.azure`) need `polytune deploy`.',
      },
    );
  }
  return candidate as Provider & DeployCapable;
}

interface CommonFlags {
  json?: boolean;
  ledgerDir?: string;
  config?: string;
}
interface DeployFlags extends CommonFlags {
  instanceType?: string;
  instanceCount?: number;
  wait: boolean;
}

function refOf(record: JobRecord): JobRef {
  if (!record.remoteId) {
    throw new PolytuneError('INVALID_INPUT', `Job ${record.key.slice(0, 12)} was never created remotely.`, {
      hint: 'Run `polytune tune` again to submit it (it re-attaches if it exists).',
    });
  }
  return { provider: record.provider, key: record.key, remoteId: record.remoteId };
}

/** Inserts or replaces the deployment with the same id. */
async function recordDeployment(ledger: JobLedger, key: string, deployment: DeploymentRecord): Promise<void> {
  await ledger.update(key, (record) => {
    const rest = (record.deployments ?? []).filter((d) => d.id !== deployment.id);
    record.deployments = [...rest, deployment];
    return record;
  });
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new PolytuneError(
      'USAGE',
      `--instance-count expects a whole number from 1 up, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

function printEvent(event: JobEvent): void {
  out.info(`[${event.at.slice(11, 19)}] ${event.message}`);
}

async function deploy(id: string, flags: DeployFlags): Promise<void> {
  const context = await providerContext(flags);
  const record = await resolveJob(context.ledger, id);
  const ref = refOf(record);
  const provider = deployCapable(await context.provider(record.provider));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new PolytuneError('CANCELLED', 'Interrupted.'));
  process.once('SIGINT', onSigint);
  const options = {
    instanceType: flags.instanceType,
    instanceCount: flags.instanceCount,
    signal: controller.signal,
    onEvent: flags.json ? undefined : printEvent,
  };
  const toRecord = (d: DeployedResource): DeploymentRecord => {
    const { endpointName, status, createdAt, ...detail } = d;
    return { kind: `${provider.id}-endpoint`, id: endpointName, status, createdAt, detail };
  };
  try {
    // One call: the provider reports the resources once they exist (recorded before the wait, so a crash
    // while the endpoint starts still leaves it in the ledger), then waits when asked.
    let started: DeployedResource | undefined;
    let final: DeployedResource;
    try {
      final = await provider.deploy(ref, {
        ...options,
        wait: flags.wait,
        onCreated: async (d) => {
          started = d;
          await recordDeployment(context.ledger, record.key, toRecord(d));
        },
      });
    } catch (error) {
      if (started)
        await recordDeployment(context.ledger, record.key, { ...toRecord(started), status: 'Failed' });
      throw error;
    }
    await recordDeployment(context.ledger, record.key, toRecord(final));
    if (flags.json) {
      out.json({ key: record.key, ...final });
      return;
    }
    out.line(
      `Endpoint ${final.endpointName}: ${final.status} (${final.instanceCount} × ${final.instanceType})`,
    );
    if (typeof final.lifetime === 'string') {
      out.line(`Lifetime ${final.lifetime}; billed per token only.`);
    } else if (final.perHour !== undefined) {
      out.line(
        `It bills about $${(final.perHour * final.instanceCount).toFixed(2)} per hour until you delete it.`,
      );
    } else {
      out.line('It bills per instance-hour until you delete it.');
    }
    out.line(`Evaluate it with --model ${record.provider}:${final.endpointName}`);
    out.line(`Tear it down with: polytune undeploy ${record.key.slice(0, 12)}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function undeploy(id: string, flags: CommonFlags): Promise<void> {
  const context = await providerContext(flags);
  const record = await resolveJob(context.ledger, id);
  const ref = refOf(record);
  const provider = deployCapable(await context.provider(record.provider));
  const deleted = await provider.undeploy(ref);
  const at = context.ledger.now();
  if (record.deployments?.length) {
    await context.ledger.update(record.key, (r) => {
      r.deployments = (r.deployments ?? []).map((d) =>
        d.deletedAt ? d : { ...d, status: 'Deleted', deletedAt: at },
      );
      return r;
    });
  }
  if (flags.json) {
    out.json({ key: record.key, deleted });
    return;
  }
  if (deleted.length === 0)
    out.line(`Nothing was deployed for job ${record.key.slice(0, 12)} (already deleted).`);
  for (const what of deleted) out.line(`Deleted ${what}`);
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('deploy a finished job to an endpoint (SageMaker) and record it in the ledger')
    .argument('<job>', 'job key, key prefix or remote job id')
    .option(
      '--instance-type <type>',
      "hosting instance type (default: the model's DefaultInferenceInstanceType)",
    )
    .option('--instance-count <n>', 'instances behind the endpoint', parseCount)
    .option('--no-wait', 'return once creation started instead of waiting for InService')
    .option('--json', 'print the deployment as JSON')
    .option('--ledger-dir <dir>', 'job ledger folder (default: .polytune)')
    .option('--config <file>', 'polytune config file')
    .action((job: string, flags: DeployFlags) => deploy(job, flags));
  program
    .command('undeploy')
    .description("delete a job's endpoint, endpoint config and model (stops the billing)")
    .argument('<job>', 'job key, key prefix or remote job id')
    .option('--json', 'print what was deleted as JSON')
    .option('--ledger-dir <dir>', 'job ledger folder (default: .polytune)')
    .option('--config <file>', 'polytune config file')
    .action((job: string, flags: CommonFlags) => undeploy(job, flags));
}
