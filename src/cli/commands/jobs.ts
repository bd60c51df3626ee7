import type { Command } from 'commander';
import { PolytuneError } from '../../errors.js';
import { currentState, type JobRecord } from '../../jobs/job-record.js';
import { isTerminal } from '../../jobs/job-state.js';
import { resolveJob } from '../../jobs/resolve-job.js';
import { waitForJob } from '../../jobs/wait-for-job.js';
import type { JobEvent, JobRef, JobSnapshot } from '../../provider.js';
import { eventMetricsText } from '../job-event-text.js';
import { out } from '../output.js';
import { type ProviderContext, providerContext } from '../provider-settings.js';
import { parseNumberFlag } from './tune.js';

/** `polytune jobs list | show | wait | events | cancel`: the ledger, refreshed from the providers. */
interface CommonFlags {
  json?: boolean;
  ledgerDir?: string;
  config?: string;
}

function refOf(record: JobRecord): JobRef {
  if (!record.remoteId) {
    throw new PolytuneError(
      'NOT_FOUND',
      `Job ${record.key.slice(0, 12)} was never confirmed created on ${record.provider}.`,
      {
        hint: 'Run the same `polytune tune` command again: it looks the job up by its key and re-attaches or creates it.',
      },
    );
  }
  return { provider: record.provider, key: record.key, remoteId: record.remoteId };
}

async function open(
  id: string,
  flags: CommonFlags,
): Promise<{ context: ProviderContext; record: JobRecord }> {
  const context = await providerContext(flags);
  return { context, record: await resolveJob(context.ledger, id) };
}

function summary(record: JobRecord) {
  const state = currentState(record);
  return {
    key: record.key,
    provider: record.provider,
    remoteId: record.remoteId ?? null,
    baseModel: record.spec.baseModel,
    method: record.spec.method,
    state: state.state,
    rawState: state.rawState,
    modelId: record.modelId ?? null,
    createdAt: record.createdAt,
    costEstimate: record.costEstimate?.amount ?? null,
    costActual: record.costActual?.amount ?? null,
    // Endpoints bill while they exist, so the ones not yet deleted are listed with the job.
    liveDeployments: (record.deployments ?? [])
      .filter((d) => !d.deletedAt)
      .map((d) => ({ kind: d.kind, id: d.id, status: d.status ?? null })),
  };
}

function printEvent(event: JobEvent): void {
  out.line(`${event.at}  ${event.level.padEnd(5)}  ${event.message}${eventMetricsText(event)}`);
}

async function list(flags: CommonFlags): Promise<void> {
  const context = await providerContext(flags);
  const { records, problems } = await context.ledger.list();
  if (flags.json) {
    out.json({ jobs: records.map(summary), skipped: problems });
    return;
  }
  if (records.length === 0) out.line(`No jobs in ${context.ledger.jobsDir}.`);
  for (const r of records.map(summary)) {
    out.line(
      [
        r.key.slice(0, 12),
        r.provider.padEnd(10),
        (r.remoteId ?? '(not created)').padEnd(30),
        r.state.padEnd(10),
        r.baseModel,
        r.modelId ?? '',
      ]
        .join('  ')
        .trimEnd(),
    );
    for (const d of r.liveDeployments) {
      out.line(
        `  └ ${d.kind} ${d.id} ${d.status ?? ''} — billing while it exists; \`polytune undeploy ${r.key.slice(0, 12)}\``.trimEnd(),
      );
    }
  }
}

async function show(id: string, flags: CommonFlags & { refresh?: boolean }): Promise<void> {
  let { context, record } = await open(id, flags);
  let snapshot: JobSnapshot | undefined;
  let refreshError: string | undefined;
  if (flags.refresh !== false && record.remoteId) {
    try {
      const provider = await context.provider(record.provider);
      snapshot = await provider.get(refOf(record));
      record = await context.ledger.recordSnapshot(record.key, snapshot);
    } catch (error) {
      // Offline or no credentials: still show what the ledger knows.
      refreshError = (error as Error).message;
    }
  }
  if (flags.json) {
    out.json({ ...record, ...(refreshError ? { refreshError } : {}) });
    return;
  }
  const state = currentState(record);
  out.line(`job ${record.key}`);
  out.line(`  provider    ${record.provider} ${record.remoteId ?? '(not created)'}`);
  out.line(
    `  state       ${state.state} (${state.rawState}) at ${state.at}${snapshot?.detail ? ` — ${snapshot.detail}` : ''}`,
  );
  out.line(
    `  spec        ${record.spec.baseModel} ${record.spec.method} ${JSON.stringify(record.spec.hyperparameters)}${record.spec.suffix ? ` suffix=${record.spec.suffix}` : ''}`,
  );
  if (record.dataDir) out.line(`  data        ${record.dataDir}`);
  for (const upload of record.uploads)
    out.line(`  upload      ${upload.name} ${upload.remoteId} (sha256 ${upload.sha256.slice(0, 12)})`);
  if (record.modelId)
    out.line(`  model       ${record.modelId}  (eval with --model ${record.provider}:${record.modelId})`);
  if (record.error)
    out.line(`  error       ${record.error.code ? `${record.error.code}: ` : ''}${record.error.message}`);
  if (record.costEstimate)
    out.line(`  estimate    $${record.costEstimate.amount.toFixed(2)} (${record.costEstimate.basis})`);
  if (record.costActual)
    out.line(`  actual      $${record.costActual.amount.toFixed(2)} (${record.costActual.basis})`);
  for (const d of record.deployments ?? [])
    out.line(`  deployment  ${d.kind} ${d.id} ${d.status ?? ''}${d.deletedAt ? ' (deleted)' : ''}`);
  out.line('  history');
  for (const h of record.history) out.line(`    ${h.at}  ${h.state} (${h.rawState})`);
  if (refreshError) out.error(`warning: could not refresh from ${record.provider}: ${refreshError}`);
}

async function wait(
  id: string,
  flags: CommonFlags & { timeout?: number; pollInterval?: number },
): Promise<void> {
  const { context, record } = await open(id, flags);
  const provider = await context.provider(record.provider);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const final = await waitForJob(provider, refOf(record), {
      ledger: context.ledger,
      signal: controller.signal,
      ...(flags.timeout ? { timeoutMs: flags.timeout * 60_000 } : {}),
      ...(flags.pollInterval ? { intervalMs: flags.pollInterval * 1000 } : {}),
      onEvent: flags.json ? undefined : (e) => out.info(`[${e.at.slice(11, 19)}] ${e.message}`),
    });
    if (flags.json) out.json(final);
    else
      out.line(
        `${final.state} (${final.rawState})${final.modelId ? `: model ${final.modelId}` : ''}${final.error ? `: ${final.error.message}` : ''}`,
      );
    if (isTerminal(final.state) && final.state !== 'succeeded') process.exitCode = 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function events(id: string, flags: CommonFlags & { since?: string }): Promise<void> {
  const { context, record } = await open(id, flags);
  const provider = await context.provider(record.provider);
  const all: JobEvent[] = [];
  for await (const event of provider.events(refOf(record), flags.since)) {
    if (flags.json) all.push(event);
    else printEvent(event);
  }
  if (flags.json) out.json(all);
}

async function cancel(id: string, flags: CommonFlags): Promise<void> {
  const { context, record } = await open(id, flags);
  const provider = await context.provider(record.provider);
  const ref = refOf(record);
  await provider.cancel(ref);
  const snapshot = await provider.get(ref);
  await context.ledger.recordSnapshot(record.key, snapshot);
  if (flags.json) out.json(snapshot);
  else
    out.line(
      `Cancel requested for ${ref.provider} job ${ref.remoteId}: now ${snapshot.state} (${snapshot.rawState}).`,
    );
}

export function register(program: Command): void {
  const jobs = program
    .command('jobs')
    .description('List, inspect, wait for and cancel fine-tuning jobs in the ledger');
  const common = (command: Command) =>
    command
      .option('--json', 'machine-readable output on stdout')
      .option('--ledger-dir <dir>', 'job ledger folder (default .polytune)')
      .option('--config <file>', 'config file (default: polytune.config.* found upwards)');
  common(jobs.command('list').description('jobs in the ledger, newest first')).action((flags: CommonFlags) =>
    list(flags),
  );
  common(
    jobs.command('show <id>').description('one job (key prefix or remote id), refreshed from its provider'),
  )
    .option('--no-refresh', 'show only what the ledger holds; no provider call')
    .action((id: string, flags: CommonFlags & { refresh?: boolean }) => show(id, flags));
  common(jobs.command('wait <id>').description('wait for a job to finish, printing its events'))
    .option(
      '--timeout <minutes>',
      'stop waiting after this many minutes (the job keeps running)',
      parseNumberFlag('timeout', 'positive'),
    )
    .option(
      '--poll-interval <seconds>',
      'first poll interval; it backs off to 60 s while nothing changes (default 5)',
      parseNumberFlag('poll-interval', 'positive'),
    )
    .action((id: string, flags: CommonFlags & { timeout?: number; pollInterval?: number }) =>
      wait(id, flags),
    );
  common(jobs.command('events <id>').description("the provider's events for a job, oldest first"))
    .option('--since <eventId>', 'only events after this one')
    .action((id: string, flags: CommonFlags & { since?: string }) => events(id, flags));
  common(jobs.command('cancel <id>').description('cancel a job')).action((id: string, flags: CommonFlags) =>
    cancel(id, flags),
  );
}
