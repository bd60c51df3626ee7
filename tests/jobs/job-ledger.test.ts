import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobLedger, type LedgerProblem } from '../../src/jobs/job-ledger.js';
import type { JobRecord } from '../../src/jobs/job-record.js';
import { resolveJob } from '../../src/jobs/resolve-job.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-ledger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(key: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    version: 1,
    key,
    provider: 'memory',
    spec: { provider: 'memory', baseModel: 'b', method: 'sft', hyperparameters: {} },
    datasetHashes: { train: 'h' },
    uploads: [],
    history: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

describe('JobLedger', () => {
  it('writes records under <dir>/jobs/<key>.json and reads them back', async () => {
    const ledger = new JobLedger({ dir });
    await ledger.write(record('abc123', { remoteId: 'ftjob-1' }));
    expect(await readdir(join(dir, 'jobs'))).toEqual(['abc123.json']);
    expect((await ledger.read('abc123'))?.remoteId).toBe('ftjob-1');
    expect(await ledger.read('nothere')).toBeUndefined();
  });

  it('leaves no temp files behind', async () => {
    const ledger = new JobLedger({ dir });
    for (let i = 0; i < 5; i++) await ledger.write(record('k1', { remoteId: `r${i}` }));
    expect(await readdir(join(dir, 'jobs'))).toEqual(['k1.json']);
  });

  it('reports and skips a half-written or foreign record instead of failing', async () => {
    const problems: LedgerProblem[] = [];
    const ledger = new JobLedger({ dir, onProblem: (p) => problems.push(p) });
    await ledger.write(record('good', { createdAt: '2026-01-02T00:00:00.000Z' }));
    const full = JSON.stringify(record('half'));
    await writeFile(join(dir, 'jobs', 'half.json'), full.slice(0, full.length / 2));
    await writeFile(join(dir, 'jobs', 'other.json'), '{"hello": 1}');
    const listed = await ledger.list();
    expect(listed.records.map((r) => r.key)).toEqual(['good']);
    expect(listed.problems.map((p) => p.file.split('/').pop()).sort()).toEqual(['half.json', 'other.json']);
    expect(listed.problems[0]?.message).toMatch(/skipped/);
    expect(await ledger.read('half')).toBeUndefined();
    expect(problems.length).toBeGreaterThanOrEqual(3);
  });

  it('redacts secrets before they reach the disk', async () => {
    const ledger = new JobLedger({ dir });
    await ledger.write(record('sec', { error: { message: 'bad key sk-proj-abcdefghijklmnopqrstuvwx' } }));
    const text = await readFile(join(dir, 'jobs', 'sec.json'), 'utf8');
    expect(text).not.toContain('sk-proj-abcdefghijklmnop');
    expect(text).toContain('[REDACTED]');
  });

  it('appends history only when the state or raw status changes', async () => {
    const ledger = new JobLedger({ dir });
    await ledger.write(record('h1', { remoteId: 'r' }));
    const ref = { provider: 'memory', key: 'h1', remoteId: 'r' };
    await ledger.recordSnapshot('h1', { ref, state: 'queued', rawState: 'Q' });
    await ledger.recordSnapshot('h1', { ref, state: 'queued', rawState: 'Q' });
    await ledger.recordSnapshot('h1', { ref, state: 'running', rawState: 'R' });
    const done = await ledger.recordSnapshot('h1', {
      ref,
      state: 'succeeded',
      rawState: 'OK',
      modelId: 'm1',
      trainedTokens: 5,
      cost: { currency: 'USD', amount: 1, estimate: false, basis: 'b', source: 's', date: 'd' },
    });
    expect(done.history.map((h) => h.rawState)).toEqual(['Q', 'R', 'OK']);
    expect(done.modelId).toBe('m1');
    expect(done.costActual?.amount).toBe(1);
  });

  it('rejects keys that could escape the folder', () => {
    const ledger = new JobLedger({ dir });
    expect(() => ledger.fileFor('../etc/passwd')).toThrow(/valid job key/);
  });
});

describe('resolveJob', () => {
  it('finds a job by key prefix or remote id, and explains ambiguity and misses', async () => {
    const ledger = new JobLedger({ dir });
    await ledger.write(record('aaaa1111', { remoteId: 'ftjob-x1' }));
    await ledger.write(record('aaaa2222', { remoteId: 'ftjob-y2' }));
    expect((await resolveJob(ledger, 'aaaa1')).key).toBe('aaaa1111');
    expect((await resolveJob(ledger, 'ftjob-y2')).key).toBe('aaaa2222');
    await expect(resolveJob(ledger, 'aaaa')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(resolveJob(ledger, 'zzz')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
