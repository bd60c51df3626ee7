import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { JobLedger } from '../../../src/jobs/job-ledger.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeAws, type FakeAws, LLAMA_3_8B, REGION, ROLE_ARN } from './fake-aws.js';

/** `polytune deploy` / `undeploy` end to end: config → registry → provider → fake AWS → ledger. */
const server = useTestServer();
const KEY = 'clideploykey0001';
const NAME = `polytune-${KEY}`;
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDCLIFAKEFAKE',
  AWS_SECRET_ACCESS_KEY: 'cli-fake-secret',
  AWS_REGION: REGION,
};

let fake: FakeAws;
let dir: string;
let stdout: string[];

beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) vi.stubEnv(k, v);
});
afterAll(() => vi.unstubAllEnvs());

beforeEach(async () => {
  fake = createFakeAws();
  fake.endpointPollsUntilInService = 1;
  server.use(...fake.handlers);
  dir = await mkdtemp(join(tmpdir(), 'polytune-deploy-cli-'));
  await writeFile(
    join(dir, 'polytune.config.json'),
    JSON.stringify({
      ledgerDir: 'ledger',
      providers: {
        sagemaker: {
          roleArn: ROLE_ARN,
          bucket: BUCKET,
          endpointPollMs: 1,
          cacheDir: join(dir, 'cache'),
          retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
        },
      },
    }),
  );
  // A completed job SageMaker knows, and its ledger record.
  fake.jobs.set(NAME, {
    request: {
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/polytune/output/` },
      Tags: [{ Key: 'polytune:base-model', Value: `${LLAMA_3_8B}@2.1.0` }],
    },
    status: 'Completed',
    secondary: 'Completed',
    transitions: [{ Status: 'Completed', StartTime: 1_790_000_000 }],
    stopRequested: false,
  });
  const ledger = new JobLedger({ dir: join(dir, 'ledger') });
  const now = new Date().toISOString();
  await ledger.write({
    version: 1,
    key: KEY,
    provider: 'sagemaker',
    remoteId: NAME,
    spec: {
      provider: 'sagemaker',
      baseModel: LLAMA_3_8B,
      method: 'sft',
      hyperparameters: {},
    },
    datasetHashes: {},
    uploads: [],
    history: [],
    createdAt: now,
    updatedAt: now,
  });
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const config = () => ['--config', join(dir, 'polytune.config.json')];
const ledgerRecord = () => new JobLedger({ dir: join(dir, 'ledger') }).read(KEY);

describe('polytune deploy / undeploy', () => {
  it('deploys, records the endpoint in the ledger, and undeploy deletes all three and marks it deleted', async () => {
    expect(await main(['deploy', KEY.slice(0, 10), ...config()])).toBe(0);
    expect(stdout.join('')).toContain(`Endpoint ${NAME}: InService (1 × ml.g5.2xlarge)`);
    expect(stdout.join('')).toContain(`polytune undeploy ${KEY.slice(0, 12)}`);
    expect(fake.endpoints.get(NAME)?.status).toBe('InService');
    const deployed = await ledgerRecord();
    expect(deployed?.deployments).toEqual([
      expect.objectContaining({ kind: 'sagemaker-endpoint', id: NAME, status: 'InService' }),
    ]);
    expect(deployed?.deployments?.[0]?.detail).toMatchObject({
      instanceType: 'ml.g5.2xlarge',
      region: REGION,
    });

    // A live endpoint bills by the hour, so `jobs list` shows it with the job.
    stdout.length = 0;
    expect(await main(['jobs', 'list', ...config()])).toBe(0);
    expect(stdout.join('')).toContain(`sagemaker-endpoint ${NAME} InService`);
    stdout.length = 0;
    expect(await main(['jobs', 'list', '--json', ...config()])).toBe(0);
    expect(JSON.parse(stdout.join('')).jobs[0].liveDeployments).toEqual([
      { kind: 'sagemaker-endpoint', id: NAME, status: 'InService' },
    ]);

    stdout.length = 0;
    expect(await main(['undeploy', KEY, ...config(), '--json'])).toBe(0);
    expect(JSON.parse(stdout.join(''))).toEqual({
      key: KEY,
      deleted: [`endpoint ${NAME}`, `endpoint config ${NAME}`, `model ${NAME}`],
    });
    expect([fake.endpoints.size, fake.endpointConfigs.size, fake.models.size]).toEqual([0, 0, 0]);
    const after = await ledgerRecord();
    expect(after?.deployments?.[0]).toMatchObject({ status: 'Deleted', deletedAt: expect.any(String) });
    stdout.length = 0;
    expect(await main(['jobs', 'list', '--json', ...config()])).toBe(0);
    expect(JSON.parse(stdout.join('')).jobs[0].liveDeployments).toEqual([]);
  });

  it('a failed endpoint stays in the ledger as Failed (so it is not forgotten) and exits 1', async () => {
    fake.endpointFinalStatus = 'Failed';
    expect(await main(['deploy', KEY, ...config()])).toBe(1);
    const record = await ledgerRecord();
    expect(record?.deployments?.[0]).toMatchObject({ id: NAME, status: 'Failed' });
  });

  it('rejects a bad instance count as usage (exit 2) and sends nothing', async () => {
    expect(await main(['deploy', KEY, '--instance-count', '0', ...config()])).toBe(2);
    expect(fake.calls).toHaveLength(0);
  });

  it('sends each Create* once, records before waiting, and a re-run only waits', async () => {
    expect(await main(['deploy', KEY, '--no-wait', ...config()])).toBe(0);
    expect((await ledgerRecord())?.deployments?.[0]).toMatchObject({ id: NAME, status: 'Creating' });
    expect(await main(['deploy', KEY, ...config()])).toBe(0);
    expect((await ledgerRecord())?.deployments?.[0]).toMatchObject({ id: NAME, status: 'InService' });
    for (const op of ['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'])
      expect(fake.callsOf(op), op).toHaveLength(1);
  });

  it('a SageMaker 500 and a throttle show the request id in the output (after the retries)', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    fake.failNext('DescribeTrainingJob', 'server-error', 3);
    expect(await main(['deploy', KEY, ...config()])).toBe(1);
    expect(stderr.join('')).toMatch(/request id: fake-req-\d+ \(sagemaker, HTTP 500\)/);
    stderr.length = 0;
    fake.failNext('DescribeTrainingJob', 'throttle', 3);
    expect(await main(['deploy', KEY, ...config()])).toBe(1);
    expect(stderr.join('')).toMatch(/request id: fake-req-\d+ \(sagemaker, HTTP 400\)/);
    expect(stderr.join('')).toMatch(/ThrottlingException/);
  });
});
