import { PolytuneError } from '../errors.js';
import type { JobLedger } from './job-ledger.js';
import type { JobRecord } from './job-record.js';

/**
 * Finds one ledger record by job key, key prefix, remote id or remote id
 * prefix (what `polytune jobs show <id>` accepts). Ambiguous or unknown ids
 * fail with the candidates listed.
 */
export async function resolveJob(ledger: JobLedger, id: string): Promise<JobRecord> {
  const wanted = id.trim();
  if (!wanted) throw new PolytuneError('USAGE', 'Give a job key, key prefix or remote job id.');
  const { records } = await ledger.list();
  const exact = records.filter((r) => r.key === wanted || r.remoteId === wanted);
  if (exact.length === 1) return exact[0] as JobRecord;
  const matches =
    exact.length > 1
      ? exact
      : records.filter((r) => r.key.startsWith(wanted) || r.remoteId?.startsWith(wanted));
  if (matches.length === 1) return matches[0] as JobRecord;
  if (matches.length === 0) {
    throw new PolytuneError(
      'NOT_FOUND',
      `No job in the ledger ${ledger.jobsDir} matches ${JSON.stringify(wanted)}.`,
      {
        hint: 'Run `polytune jobs list` to see the jobs this ledger knows (or pass --ledger-dir).',
      },
    );
  }
  throw new PolytuneError(
    'USAGE',
    `${JSON.stringify(wanted)} matches ${matches.length} jobs: ${matches.map((r) => `${r.key.slice(0, 12)} (${r.remoteId ?? 'not created'})`).join(', ')}.`,
    { hint: 'Give a longer prefix of the key.' },
  );
}
