import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import { runCli } from '../../helpers/capture-output.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';

// A dry run sends nothing: no handler, so any request fails the test.
const server = useTestServer();

let work: string;
let data: PreparedData;
const config = (calendar: unknown[], prices: Record<string, unknown> = {}) =>
  writeFile(
    join(work, 'polytune.config.json'),
    JSON.stringify({
      providers: { openai: { apiKey: 'sk-test-dry-run-0000', calendar } },
      prices: { openai: prices },
    }),
  );
const dryRun = (...args: string[]) =>
  runCli(
    'tune',
    '--provider',
    'openai',
    '--data',
    data.dir,
    '--config',
    join(work, 'polytune.config.json'),
    '--ledger-dir',
    join(work, '.polytune'),
    '--dry-run',
    ...args,
  );

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'polytune-dry-run-'));
  data = await writePreparedFixture();
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(data.dir, { recursive: true, force: true });
});

describe('tune --dry-run on OpenAI', () => {
  it('prints the price note beside the amount (assumed epochs, unverified figures)', async () => {
    await config([{ id: 'gpt-4o-mini-2024-07-18', methods: ['sft'] }]);
    const run = await dryRun('--base-model', 'gpt-4o-mini-2024-07-18');
    expect(run.stdout).toMatch(/cost\s+~\$\d+\.\d\d estimated/);
    expect(run.stdout).toMatch(/note: .*epochs auto: 3 assumed/);
    expect(server.captured).toEqual([]);
  });

  it('shows an unknown price as unknown with the reason, never $0', async () => {
    await config([{ id: 'my-tunable-model', methods: ['sft'] }]);
    const run = await dryRun('--base-model', 'my-tunable-model');
    expect(run.stdout).toMatch(/cost\s+unknown: no OpenAI training price known for my-tunable-model/);
    expect(run.stdout).not.toMatch(/\$0\.00/);
  });

  it('refuses a retired model in the plan (exit 2) with the hint', async () => {
    await config([{ id: 'gpt-4.1-nano-2025-04-14', methods: ['sft'], shutdownAt: '2026-10-23' }]);
    const run = await dryRun('--base-model', 'gpt-4.1-nano-2025-04-14');
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/ERROR\s+MODEL_RETIRED: .*shut down on 2026-10-23.*Azure OpenAI/);
  });

  it('reinforcement: --grader is read into the job; without it the plan says GRADER_REQUIRED', async () => {
    await config([{ id: 'o4-mini-2025-04-16', methods: ['reinforcement'] }]);
    const without = await dryRun('--base-model', 'o4-mini-2025-04-16', '--method', 'reinforcement');
    expect(without.stdout).toMatch(/GRADER_REQUIRED/);
    const grader = join(work, 'grader.json');
    await writeFile(
      grader,
      JSON.stringify({ type: 'string_check', name: 'g', input: 'a', reference: 'b', operation: 'eq' }),
    );
    const run = await dryRun(
      '--base-model',
      'o4-mini-2025-04-16',
      '--method',
      'reinforcement',
      '--grader',
      grader,
    );
    expect(run.stdout).not.toMatch(/GRADER_REQUIRED/);
    expect(run.stdout).toMatch(
      /cost\s+unknown: reinforcement fine-tuning bills wall-clock training hours at \$100\/training hour/,
    );
  });
});
