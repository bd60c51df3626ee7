import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVertexProvider, type VertexOptions } from '../../../providers/vertex/vertex-provider.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { datasetHashesFor, jobKey } from '../../../src/jobs/job-key.js';
import { JobLedger } from '../../../src/jobs/job-ledger.js';
import type { JobRecord } from '../../../src/jobs/job-record.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import { submitJob } from '../../../src/jobs/submit-job.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeVertex, type FakeVertex, PROJECT, testAuthClient } from './fake-vertex.js';

/**
 * The jobs core's idempotent submit against the Vertex fake: whatever breaks
 * between "the service created the job" and "the ledger knows its name",
 * the user ends up with exactly one paid tuning job.
 */
const server = useTestServer();
let fake: FakeVertex;
let dir: string;
let data: PreparedData;

const spec: JobSpec = {
  provider: 'vertex',
  baseModel: 'gemini-2.5-flash',
  method: 'sft',
  hyperparameters: { epochs: 2 },
};

/** A new process: a new provider, a new ledger object on the same directory. */
function run(overrides: Partial<VertexOptions> = {}) {
  return {
    provider: createVertexProvider({
      project: PROJECT,
      location: 'us-central1',
      bucket: BUCKET,
      authClient: testAuthClient(),
      retry: { retries: 3, baseDelayMs: 1, sleep: async () => {} },
      ...overrides,
    }),
    ledger: new JobLedger({ dir }),
  };
}

/** A ledger whose process dies just before it records the remote id. */
class DyingLedger extends JobLedger {
  override async update(
    key: string,
    change: (record: JobRecord) => JobRecord | undefined,
  ): Promise<JobRecord> {
    return super.update(key, (record) => {
      const next = change(record) ?? record;
      if (next.remoteId && !record.remoteId) throw new Error('process killed before the ledger write');
      return next;
    });
  }
}

beforeEach(async () => {
  fake = createFakeVertex();
  server.use(...fake.handlers);
  dir = await mkdtemp(join(tmpdir(), 'polytune-vertex-ledger-'));
  data = await writePreparedFixture({ providers: ['vertex'] });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(data.dir, { recursive: true, force: true });
});

describe('submitJob with Vertex AI: one remote job, always', () => {
  it('a crash after the create reached Vertex but before the ledger write re-attaches on the next run', async () => {
    const dying = run();
    await expect(submitJob(dying.provider, spec, data, { ledger: new DyingLedger({ dir }) })).rejects.toThrow(
      /process killed/,
    );
    expect(fake.jobs.size).toBe(1);
    const key = jobKey(spec, datasetHashesFor(data, 'vertex'));
    expect((await new JobLedger({ dir }).read(key))?.remoteId).toBeUndefined();

    const next = run();
    const result = await submitJob(next.provider, spec, data, { ledger: next.ledger });
    expect(result.reattached).toBe(true);
    expect(result.ref.remoteId).toBe([...fake.jobs.keys()][0]);
    expect(fake.jobs.size).toBe(1);
    expect((await next.ledger.read(key))?.remoteId).toBe(result.ref.remoteId);
  });

  it('a connection reset on create with no retries left: the next run re-attaches, nothing is created twice', async () => {
    fake.crashAfterCreate();
    const first = run({ retry: { retries: 0, sleep: async () => {} } });
    await expect(submitJob(first.provider, spec, data, { ledger: first.ledger })).rejects.toMatchObject({
      code: 'PROVIDER',
    });
    const next = run();
    const result = await submitJob(next.provider, spec, data, { ledger: next.ledger });
    expect(result.reattached).toBe(true);
    expect(fake.jobs.size).toBe(1);
  });

  it('503 (applied) and 429 on create inside one run end with one job recorded in the ledger', async () => {
    fake.failNextCreate(429, false);
    fake.failNextCreate(503, true);
    const { provider, ledger } = run();
    const result = await submitJob(provider, spec, data, { ledger });
    expect(fake.jobs.size).toBe(1);
    expect(result.record.remoteId).toBe([...fake.jobs.keys()][0]);
    expect(result.record.uploads.map((u) => u.name).sort()).toEqual(['train', 'validation']);
    expect(result.record.costEstimate?.estimate).toBe(true);
  });
});
