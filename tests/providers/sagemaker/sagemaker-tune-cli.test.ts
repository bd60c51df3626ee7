import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { useTestServer } from '../../helpers/test-server.js';
import { BUCKET, createFakeAws, type FakeAws, LLAMA_3_8B, REGION, ROLE_ARN } from './fake-aws.js';
import { writeSageMakerFixture } from './sagemaker-fixture.js';

/** `polytune tune --provider sagemaker --dry-run` reads the hub: the plan names the version and the EULA. */
const server = useTestServer();
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDTUNEFAKE',
  AWS_SECRET_ACCESS_KEY: 'tune-fake-secret',
  AWS_REGION: REGION,
};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) vi.stubEnv(k, v);
});
afterAll(() => vi.unstubAllEnvs());

let fake: FakeAws;
let dir: string;
let stdout: string[];
beforeEach(async () => {
  fake = createFakeAws();
  server.use(...fake.handlers);
  dir = await mkdtemp(join(tmpdir(), 'polytune-tune-sm-'));
  await writeFile(
    join(dir, 'polytune.config.json'),
    JSON.stringify({
      ledgerDir: 'ledger',
      providers: {
        sagemaker: {
          roleArn: ROLE_ARN,
          bucket: BUCKET,
          cacheDir: join(dir, 'cache'),
          retry: { baseDelayMs: 1, maxDelayMs: 1 },
        },
      },
    }),
  );
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('polytune tune --provider sagemaker --dry-run', () => {
  it('names the hub version, refuses a gated model until the EULA is accepted, and sends nothing else', async () => {
    const data = await writeSageMakerFixture();
    const args = [
      'tune',
      '--provider',
      'sagemaker',
      '--base-model',
      LLAMA_3_8B,
      '--data',
      data.dir,
      '--dry-run',
    ];
    const config = ['--config', join(dir, 'polytune.config.json')];
    expect(await main([...args, ...config])).toBe(2);
    const text = stdout.join('');
    expect(text).toContain(`assumed for ${LLAMA_3_8B}@2.1.0 on ml.g5.12xlarge`);
    expect(text).toMatch(/ERROR\s+EULA_REQUIRED/);

    stdout.length = 0;
    process.exitCode = undefined; // the refused plan above set it
    expect(await main([...args, '--hyperparameter', 'accept_eula=true', '--json', ...config])).toBe(0);
    const plan = JSON.parse(stdout.join(''));
    expect(plan.issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    expect(plan.cost.basis).toContain('@2.1.0');
    expect(new Set(fake.calls.map((c) => c.op))).toEqual(new Set(['DescribeHubContent']));
    expect(fake.s3Calls).toHaveLength(0);
  });
});
