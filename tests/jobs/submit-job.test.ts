import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { datasetHashesFor, jobKey } from '../../src/jobs/job-key.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { submitJob } from '../../src/jobs/submit-job.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { createInMemoryProvider } from './in-memory-provider.js';

let dir: string;
let data: PreparedData;
const spec: JobSpec = {
  provider: 'memory',
  baseModel: 'base-1',
  method: 'sft',
  hyperparameters: { epochs: 2 },
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-submit-'));
  data = await writePreparedFixture({ providers: ['memory'] });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(data.dir, { recursive: true, force: true });
});

describe('jobKey', () => {
  it('changes with data, base model, method and hyperparameters but not with the suffix', async () => {
    const hashes = datasetHashesFor(data, 'memory');
    const base = jobKey(spec, hashes);
    expect(base).toMatch(/^[0-9a-f]{32}$/);
    expect(jobKey({ ...spec, suffix: 'renamed' }, hashes)).toBe(base);
    expect(jobKey({ ...spec, baseModel: 'base-2' }, hashes)).not.toBe(base);
    expect(jobKey({ ...spec, method: 'dpo' }, hashes)).not.toBe(base);
    expect(jobKey({ ...spec, hyperparameters: { epochs: 3 } }, hashes)).not.toBe(base);
    expect(jobKey(spec, { ...hashes, train: 'other' })).not.toBe(base);
    // Key order in hyperparameters does not matter.
    const a = jobKey({ ...spec, hyperparameters: { epochs: 2, batchSize: 4 } }, hashes);
    const b = jobKey({ ...spec, hyperparameters: { batchSize: 4, epochs: 2 } }, hashes);
    expect(a).toBe(b);
  });

  it('hashes the provider’s compiled files, so a changed compiled file is a new job', async () => {
    const other = await writePreparedFixture({ providers: ['memory'], variant: 'b' });
    expect(jobKey(spec, datasetHashesFor(other, 'memory'))).not.toBe(
      jobKey(spec, datasetHashesFor(data, 'memory')),
    );
    await rm(other.dir, { recursive: true, force: true });
  });
});

describe('submitJob', () => {
  it('records the intent, the uploads, the remote id, the estimate and the first state', async () => {
    const provider = createInMemoryProvider();
    const ledger = new JobLedger({ dir });
    const result = await submitJob(provider, spec, data, { ledger });
    expect(result.reattached).toBe(false);
    expect(provider.backend.creates).toBe(1);
    const record = await ledger.read(result.ref.key);
    expect(record?.remoteId).toBe(result.ref.remoteId);
    expect(record?.uploads).toEqual([{ name: 'train', sha256: 'abc', remoteId: 'file-1' }]);
    expect(record?.history.map((h) => h.state)).toEqual(['preparing', 'queued']);
    expect(record?.costEstimate?.estimate).toBe(true);
    expect(record?.datasetHashes.train).toBe(data.manifest.compiled.memory?.train.sha256);
  });

  it('re-running the same submit re-attaches from the ledger and creates nothing', async () => {
    const provider = createInMemoryProvider();
    const ledger = new JobLedger({ dir });
    const first = await submitJob(provider, spec, data, { ledger });
    const second = await submitJob(provider, spec, data, { ledger });
    expect(second.reattached).toBe(true);
    expect(second.ref).toEqual(first.ref);
    expect(provider.backend.creates).toBe(1);
  });

  it('after a crash between create and the ledger write, the next run re-attaches to the one remote job', async () => {
    const provider = createInMemoryProvider();
    const ledger = new JobLedger({ dir });
    provider.backend.crashAfterCreate();
    await expect(submitJob(provider, spec, data, { ledger })).rejects.toThrow(/socket hang up/);
    const key = jobKey(spec, datasetHashesFor(data, 'memory'));
    const intent = await ledger.read(key);
    expect(intent?.remoteId, 'the intent was recorded before the remote call').toBeUndefined();
    const again = await submitJob(provider, spec, data, { ledger });
    expect(again.reattached).toBe(true);
    expect(provider.backend.jobCount()).toBe(1);
    expect((await ledger.read(key))?.remoteId).toBe(again.ref.remoteId);
  });

  it('re-attaches through the provider even when the ledger was lost', async () => {
    const provider = createInMemoryProvider();
    await submitJob(provider, spec, data, { ledger: new JobLedger({ dir }) });
    const fresh = new JobLedger({ dir: join(dir, 'elsewhere') });
    const again = await submitJob(provider, spec, data, { ledger: fresh });
    expect(again.reattached).toBe(true);
    expect(provider.backend.jobCount()).toBe(1);
  });

  it('stops on validation errors before any remote call, and passes warnings on', async () => {
    const provider = createInMemoryProvider();
    const ledger = new JobLedger({ dir });
    const small = await writePreparedFixture({ providers: ['memory'], trainCount: 4 });
    await expect(submitJob(provider, spec, small, { ledger })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(provider.backend.creates).toBe(0);
    await rm(small.dir, { recursive: true, force: true });

    const events: string[] = [];
    const warned = await submitJob(provider, { ...spec, hyperparameters: { loraRank: 8 } }, data, {
      ledger,
      onEvent: (e) => events.push(`${e.level}:${e.message}`),
    });
    expect(warned.issues.map((i) => i.code)).toEqual(['IGNORED_HYPERPARAMETER']);
    expect(events.some((e) => e.startsWith('warn:IGNORED_HYPERPARAMETER'))).toBe(true);
  });

  it('rejects a spec for another provider', async () => {
    const provider = createInMemoryProvider();
    await expect(
      submitJob(provider, { ...spec, provider: 'openai' }, data, { ledger: new JobLedger({ dir }) }),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});
