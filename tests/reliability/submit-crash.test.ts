import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';
import { createSageMakerProvider } from '../../providers/sagemaker/sagemaker-provider.js';
import { createVertexProvider } from '../../providers/vertex/vertex-provider.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { datasetHashesFor, jobKey } from '../../src/jobs/job-key.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import type { JobRecord } from '../../src/jobs/job-record.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { submitJob } from '../../src/jobs/submit-job.js';
import type { Provider } from '../../src/provider.js';
import { runCli } from '../helpers/capture-output.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { useTestServer } from '../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from '../providers/openai/fake-openai.js';
import {
  createFakeAws,
  fakeClients,
  REGION,
  ROLE_ARN,
  BUCKET as S3_BUCKET,
} from '../providers/sagemaker/fake-aws.js';
import { writeSageMakerFixture } from '../providers/sagemaker/sagemaker-fixture.js';
import {
  createFakeVertex,
  BUCKET as GCS_BUCKET,
  PROJECT,
  testAuthClient,
} from '../providers/vertex/fake-vertex.js';

/**
 * The submitting process dies at each step of a submit, on each cloud
 * provider's fake (the same msw fakes the provider tests use). "Death" is
 * total: from that moment no request leaves and no ledger write lands. A new
 * process (new provider, new ledger object on the same folder) then submits
 * the same job and must end attached to exactly one remote job, created once.
 *
 * The provider tests already cover a create whose answer is lost and retried
 * inside one process; here every step is a separate process.
 */

const server = useTestServer();

type Step =
  | 'before the intent is recorded'
  | 'before any upload'
  | 'after the uploads, before the create is sent'
  | 'after the create reached the provider, before the ledger write'
  | 'after the ledger write, before the first status read';

const STEPS: Step[] = [
  'before the intent is recorded',
  'before any upload',
  'after the uploads, before the create is sent',
  'after the create reached the provider, before the ledger write',
  'after the ledger write, before the first status read',
];

interface Backend {
  spec: JobSpec;
  data: PreparedData;
  /** A fresh provider, as a new process would build it. */
  provider(): Provider;
  isUpload(request: Request): boolean;
  isCreate(request: Request): boolean;
  remoteJobs(): string[];
  /** Uploaded files or objects the provider holds. */
  stored(): number;
}

let dead = false;
let killAt: Step | undefined;
let createsReached = 0;
let uploadsReached = 0;
let current: Backend | undefined;
const die = () => {
  dead = true;
};

// Requests from a dead process never leave it; the kill step fires when its request starts.
const gate = http.all('*', ({ request }) => {
  if (dead) return HttpResponse.error();
  if (!current) return undefined;
  if (killAt === 'before any upload' && current.isUpload(request)) {
    die();
    return HttpResponse.error();
  }
  if (killAt === 'after the uploads, before the create is sent' && current.isCreate(request)) {
    die();
    return HttpResponse.error();
  }
  return undefined;
});

server.events.on('response:mocked', ({ request, response }) => {
  if (!current || response.type === 'error') return;
  if (current.isCreate(request)) {
    createsReached++;
    if (killAt === 'after the create reached the provider, before the ledger write') die();
  }
  if (current.isUpload(request)) uploadsReached++;
});

/** A ledger in a process that can die: no write lands after death; some steps kill on a write. */
class MortalLedger extends JobLedger {
  override async write(record: JobRecord): Promise<JobRecord> {
    if (!dead && killAt === 'before the intent is recorded') die();
    if (dead) throw new Error('process killed');
    return super.write(record);
  }
  override async update(
    key: string,
    change: (record: JobRecord) => JobRecord | undefined,
  ): Promise<JobRecord> {
    if (dead) throw new Error('process killed');
    const updated = await super.update(key, change);
    if (updated.remoteId && killAt === 'after the ledger write, before the first status read') die();
    return updated;
  }
}

let dir: string;
const cleanup: string[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-submit-crash-'));
  dead = false;
  killAt = undefined;
  createsReached = 0;
  uploadsReached = 0;
});
afterEach(async () => {
  current = undefined;
  for (const d of [dir, ...cleanup.splice(0)]) await rm(d, { recursive: true, force: true });
});

const noSleep = async () => {};

const BACKENDS: Record<string, () => Promise<Backend>> = {
  openai: async () => {
    const fake = new FakeOpenAI();
    server.use(gate, ...fakeOpenAIHandlers(fake));
    const data = await writePreparedFixture();
    cleanup.push(data.dir);
    const url = (r: Request) => new URL(r.url).pathname;
    return {
      spec: {
        provider: 'openai',
        baseModel: 'gpt-4o-mini-2024-07-18',
        method: 'sft',
        hyperparameters: { epochs: 2 },
      },
      data,
      provider: () =>
        createOpenAIProvider(
          {
            apiKey: 'sk-test-crash-key-1234567890',
            baseURL: FAKE_OPENAI_BASE,
            retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
            filePollIntervalMs: 1,
          },
          // The model calendar is read at a fixed date, so the test does not expire with gpt-4o-mini.
          { sleep: noSleep, now: () => Date.parse('2026-12-06T00:00:00Z') },
        ),
      isUpload: (r) => r.method === 'POST' && (url(r) === '/v1/files' || url(r).startsWith('/v1/uploads')),
      isCreate: (r) => r.method === 'POST' && url(r) === '/v1/fine_tuning/jobs',
      remoteJobs: () => [...fake.jobs.keys()],
      stored: () => fake.files.size,
    };
  },
  vertex: async () => {
    const fake = createFakeVertex();
    server.use(gate, ...fake.handlers);
    const data = await writePreparedFixture({ providers: ['vertex'] });
    cleanup.push(data.dir);
    return {
      spec: {
        provider: 'vertex',
        baseModel: 'gemini-2.5-flash',
        method: 'sft',
        hyperparameters: { epochs: 2 },
      },
      data,
      provider: () =>
        createVertexProvider({
          project: PROJECT,
          location: 'us-central1',
          bucket: GCS_BUCKET,
          authClient: testAuthClient(),
          retry: { retries: 2, baseDelayMs: 1, sleep: noSleep },
        }),
      isUpload: (r) => new URL(r.url).pathname.startsWith('/upload/storage/') && r.method !== 'GET',
      isCreate: (r) => r.method === 'POST' && /\/tuningJobs$/.test(new URL(r.url).pathname),
      remoteJobs: () => [...fake.jobs.keys()],
      stored: () => fake.objects.size,
    };
  },
  sagemaker: async () => {
    const fake = createFakeAws();
    server.use(gate, ...fake.handlers);
    const data = await writeSageMakerFixture();
    cleanup.push(data.dir);
    const s3 = `${S3_BUCKET}.s3.${REGION}.amazonaws.com`;
    return {
      spec: {
        provider: 'sagemaker',
        baseModel: 'meta-textgeneration-llama-3-1-8b-instruct',
        method: 'sft',
        hyperparameters: { epochs: 2, learningRate: 0.0002, loraRank: 16, seed: 7 },
      },
      data,
      provider: () =>
        createSageMakerProvider({
          region: REGION,
          roleArn: ROLE_ARN,
          bucket: S3_BUCKET,
          prefix: 'ft',
          clients: fakeClients(),
          retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
          sleep: noSleep,
          acceptEula: true,
          cacheDir: data.dir,
        }),
      isUpload: (r) => new URL(r.url).host === s3 && (r.method === 'PUT' || r.method === 'POST'),
      isCreate: (r) => r.headers.get('x-amz-target') === 'SageMaker.CreateTrainingJob',
      remoteJobs: () => [...fake.jobs.keys()],
      stored: () => fake.objects.size,
    };
  },
};

describe.each(Object.keys(BACKENDS))('%s: the submitting process dies', (name) => {
  it('a clean submit, for reference: one job, one create', async () => {
    current = await (BACKENDS[name] as () => Promise<Backend>)();
    const result = await submitJob(current.provider(), current.spec, current.data, {
      ledger: new JobLedger({ dir }),
    });
    expect(current.remoteJobs()).toEqual([result.ref.remoteId]);
    expect(createsReached).toBe(1);
    expect(current.stored()).toBeGreaterThan(0);
  });

  it.each(STEPS)('%s: the next run re-attaches to the single remote job', async (step) => {
    const backend = await (BACKENDS[name] as () => Promise<Backend>)();
    current = backend;
    const key = jobKey(backend.spec, datasetHashesFor(backend.data, name));

    killAt = step;
    const first = submitJob(backend.provider(), backend.spec, backend.data, {
      ledger: new MortalLedger({ dir }),
    });
    // The status read after the ledger write is best-effort, so that run may even "return"; it is dead all the same.
    if (step === 'after the ledger write, before the first status read') await first.catch(() => undefined);
    else await expect(first).rejects.toThrow();
    expect(dead, 'the kill step was reached').toBe(true);
    const createdBefore = backend.remoteJobs().length;
    const storedBefore = backend.stored();
    const uploadsBefore = uploadsReached;
    expect(createdBefore).toBe(
      step === 'after the create reached the provider, before the ledger write' ||
        step === 'after the ledger write, before the first status read'
        ? 1
        : 0,
    );

    // A new process.
    dead = false;
    killAt = undefined;
    const ledger = new JobLedger({ dir });
    const result = await submitJob(backend.provider(), backend.spec, backend.data, { ledger });
    expect(backend.remoteJobs()).toEqual([result.ref.remoteId]);
    expect(createsReached, 'create requests that reached the provider').toBe(1);
    expect(result.reattached).toBe(createdBefore === 1);
    expect((await ledger.read(key))?.remoteId).toBe(result.ref.remoteId);
    // Uploads that had landed are reused, not stored twice.
    if (storedBefore > 0) {
      expect(backend.stored()).toBe(storedBefore);
      if (createdBefore === 0) expect(uploadsReached).toBe(uploadsBefore);
    }

    // And a third run changes nothing.
    const again = await submitJob(backend.provider(), backend.spec, backend.data, {
      ledger: new JobLedger({ dir }),
    });
    expect(again.reattached).toBe(true);
    expect(again.ref.remoteId).toBe(result.ref.remoteId);
    expect(createsReached).toBe(1);
  });
});

describe('corrupt or half-written ledger files are reported and skipped, never fatal', () => {
  const cli = runCli;

  it('jobs list / show and a re-submit work around them', async () => {
    const backend = await (BACKENDS.openai as () => Promise<Backend>)();
    current = backend;
    const ledger = new JobLedger({ dir });
    const first = await submitJob(backend.provider(), backend.spec, backend.data, { ledger });
    const file = ledger.fileFor(first.record.key);
    const text = await readFile(file, 'utf8');
    const jobs = ledger.jobsDir;
    // Besides the good record: a torn copy of it, an empty file, binary junk, a foreign JSON,
    // a record of a future version, a leftover temp file, and a folder with a record's name.
    await writeFile(join(jobs, `${'a'.repeat(32)}.json`), text.slice(0, Math.floor(text.length / 2)));
    await writeFile(join(jobs, `${'b'.repeat(32)}.json`), '');
    await writeFile(join(jobs, `${'c'.repeat(32)}.json`), Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x01, 0x7f]));
    await writeFile(join(jobs, `${'d'.repeat(32)}.json`), JSON.stringify({ hello: 'world' }));
    await writeFile(
      join(jobs, `${'e'.repeat(32)}.json`),
      JSON.stringify({ ...JSON.parse(text), version: 99 }),
    );
    await writeFile(join(jobs, `${first.record.key}.json.123.abcd.tmp`), text.slice(0, 10));
    await mkdir(join(jobs, `${'f'.repeat(32)}.json`));

    const listed = await cli('jobs', 'list', '--ledger-dir', dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(first.ref.remoteId);
    expect(listed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    for (const bad of ['a', 'b', 'c', 'd', 'e']) expect(listed.stderr).toContain(`${bad.repeat(32)}.json`);
    expect(listed.stderr).toMatch(/warning: skipped unreadable job record/);

    const json = await cli('jobs', 'list', '--json', '--ledger-dir', dir);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as unknown;
    expect(JSON.stringify(parsed)).toContain(first.ref.remoteId);

    const shown = await cli(
      'jobs',
      'show',
      first.record.key.slice(0, 12),
      '--no-refresh',
      '--ledger-dir',
      dir,
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(first.ref.remoteId);

    // The job's own record torn mid-write (e.g. a full disk): the next submit re-attaches by key and repairs it.
    await writeFile(file, text.slice(0, 40));
    const again = await submitJob(backend.provider(), backend.spec, backend.data, {
      ledger: new JobLedger({ dir }),
    });
    expect(again.reattached).toBe(true);
    expect(again.ref.remoteId).toBe(first.ref.remoteId);
    expect(backend.remoteJobs()).toHaveLength(1);
    expect((await new JobLedger({ dir }).read(first.record.key))?.remoteId).toBe(first.ref.remoteId);
  });
});
