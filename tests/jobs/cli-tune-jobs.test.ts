import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { register as registerJobs } from '../../src/cli/commands/jobs.js';
import { register as registerTune } from '../../src/cli/commands/tune.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { captureOutput } from '../helpers/capture-output.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { useTestServer } from '../helpers/test-server.js';
import { FAKE_OPENAI_BASE, FakeOpenAI, fakeOpenAIHandlers } from '../providers/openai/fake-openai.js';

/** `polytune tune` and `polytune jobs …` end to end against the fake OpenAI API (msw). */
const fake = new FakeOpenAI();
useTestServer(...fakeOpenAIHandlers(fake));

let work: string;
let data: PreparedData;
let configFile: string;
const savedKey = process.env.OPENAI_API_KEY;

beforeAll(() => {
  process.env.OPENAI_API_KEY = 'sk-test-cli-0123456789abcdef';
});
afterAll(() => {
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
});
beforeEach(async () => {
  fake.reset();
  process.exitCode = undefined;
  work = await mkdtemp(join(tmpdir(), 'polytune-cli-'));
  data = await writePreparedFixture();
  configFile = join(work, 'polytune.config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      providers: {
        openai: {
          baseURL: FAKE_OPENAI_BASE,
          retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 },
          // A calendar entry without dates, so these tests do not depend on today's date.
          calendar: [{ id: 'gpt-4o-mini-2024-07-18', methods: ['sft', 'dpo'] }],
        },
      },
    }),
  );
});
afterEach(async () => {
  process.exitCode = undefined;
  await rm(work, { recursive: true, force: true });
  await rm(data.dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{
  stdout: string;
  stderr: string;
  error?: { code?: string; message: string };
  exitCode?: number;
}> {
  const program = new Command('polytune').exitOverride();
  registerTune(program);
  registerJobs(program);
  let error: { code?: string; message: string } | undefined;
  let exitCode: number | undefined;
  const { stdout, stderr } = await captureOutput(async () => {
    try {
      await program.parseAsync([...args, '--ledger-dir', join(work, '.polytune'), '--config', configFile], {
        from: 'user',
      });
      exitCode = process.exitCode as number | undefined;
    } catch (caught) {
      error = caught as { code?: string; message: string };
    }
  });
  return error ? { stdout, stderr, error } : { stdout, stderr, exitCode };
}

const tuneArgs = () => [
  'tune',
  '--provider',
  'openai',
  '--base-model',
  'gpt-4o-mini-2024-07-18',
  '--data',
  data.dir,
  '--epochs',
  '2',
];

describe('polytune tune', () => {
  it('--dry-run prints the plan, tokens, issues and estimate and sends nothing', async () => {
    const result = await cli(...tuneArgs(), '--dry-run', '--json');
    expect(result.error).toBeUndefined();
    expect(fake.requests).toEqual([]);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({
      provider: 'openai',
      spec: { baseModel: 'gpt-4o-mini-2024-07-18', method: 'sft', hyperparameters: { epochs: 2 } },
      data: { train: 12, compiled: ['openai/train.jsonl', 'openai/validation.jsonl'] },
      tokens: { trainTotal: 480, tokenizer: 'o200k_base' },
      cost: { amount: (480 * 2 * 3) / 1e6 },
    });
    expect(plan.key).toMatch(/^[0-9a-f]{32}$/);
    expect(plan.issues.map((i: { code: string }) => i.code)).toEqual(['FEW_EXAMPLES']);
    const text = await cli(...tuneArgs(), '--dry-run');
    expect(text.stdout).toMatch(/nothing is sent/);
    expect(text.stdout).toMatch(/480 training tokens per epoch/);
    expect(fake.requests).toEqual([]);
    await expect(readdir(join(work, '.polytune'))).rejects.toThrow(); // no ledger written either
  });

  it('--dry-run exits 2 when the provider would refuse the job', async () => {
    const result = await cli(...tuneArgs(), '--method', 'dpo', '--dry-run');
    expect(result.stdout).toMatch(/ERROR.*KIND_MISMATCH/);
    expect(result.exitCode).toBe(2);
    expect(fake.requests).toEqual([]);
  });

  it('--wait follows the job to success; running the same command again re-attaches', async () => {
    fake.autoAdvance = ['queued', 'running', 'succeeded'];
    const first = await cli(...tuneArgs(), '--wait', '--poll-interval', '0.001');
    expect(first.error).toBeUndefined();
    expect(first.stdout).toMatch(/Submitted openai job ftjob-/);
    expect(first.stdout).toMatch(/Succeeded: model ft:gpt-4o-mini-2024-07-18:/);
    expect(first.stderr).toMatch(/state running/);
    const again = await cli(...tuneArgs(), '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ reattached: true });
    expect(fake.jobCount()).toBe(1);
  });

  it('reports a failed job with exit code 1', async () => {
    fake.autoAdvance = ['running', 'failed'];
    const result = await cli(...tuneArgs(), '--wait', '--poll-interval', '0.001', '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({
      state: 'failed',
      error: { message: expect.stringContaining('Line 3') },
    });
    expect(result.exitCode).toBe(1);
  });

  it('rejects bad flags and unknown providers with USAGE', async () => {
    expect((await cli(...tuneArgs(), '--batch-size', 'lots')).error?.code).toBe('USAGE');
    const unknown = await cli('tune', '--provider', 'nope', '--base-model', 'm', '--data', data.dir);
    expect(unknown.error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('nope') });
  });
});

describe('polytune jobs', () => {
  it('list, show, events and cancel work on a key prefix; a corrupt record is skipped with a warning', async () => {
    const submitted = JSON.parse((await cli(...tuneArgs(), '--json')).stdout);
    await writeFile(join(work, '.polytune', 'jobs', 'broken.json'), '{"version": 1, "key": "bro');
    const listed = await cli('jobs', 'list', '--json');
    expect(JSON.parse(listed.stdout).jobs).toEqual([
      expect.objectContaining({ key: submitted.key, remoteId: submitted.remoteId }),
    ]);
    expect(JSON.parse(listed.stdout).skipped[0].file).toMatch(/broken\.json$/);
    const listedText = await cli('jobs', 'list');
    expect(listedText.stdout).toContain(submitted.key.slice(0, 12));
    expect(listedText.stderr).toMatch(/skipped unreadable job record .*broken\.json/);

    const prefix = submitted.key.slice(0, 8);
    fake.setState(submitted.remoteId, 'running');
    const shown = JSON.parse((await cli('jobs', 'show', prefix, '--json')).stdout);
    expect(shown.history.map((h: { rawState: string }) => h.rawState)).toEqual([
      'intent',
      'validating_files',
      'running',
    ]);

    const events = JSON.parse((await cli('jobs', 'events', prefix, '--json')).stdout);
    expect(events.map((e: { message: string }) => e.message)).toContain('Job running');

    const cancelled = await cli('jobs', 'cancel', submitted.remoteId);
    expect(cancelled.stdout).toMatch(/now cancelled/);
    expect(fake.cancelRequested(submitted.remoteId)).toBe(true);
    const offline = await cli('jobs', 'show', prefix, '--no-refresh');
    expect(offline.stdout).toMatch(/state\s+cancelled/);
  });

  it('jobs wait returns the final state', async () => {
    const submitted = JSON.parse((await cli(...tuneArgs(), '--json')).stdout);
    fake.autoAdvance = ['running', 'succeeded'];
    const waited = await cli(
      'jobs',
      'wait',
      submitted.key.slice(0, 10),
      '--poll-interval',
      '0.001',
      '--json',
    );
    expect(JSON.parse(waited.stdout)).toMatchObject({
      state: 'succeeded',
      modelId: expect.stringMatching(/^ft:/),
    });
  });
});
