import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tunableModels } from '../../src/cli/commands/models.js';
import type { TunableModel } from '../../src/provider.js';
import { runCli } from '../helpers/capture-output.js';
import { useTestServer } from '../helpers/test-server.js';
import { createInMemoryProvider } from '../jobs/in-memory-provider.js';

// No request may leave: the OpenAI list is the dated calendar, not an API call.
const server = useTestServer();

let work: string;
let config: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'polytune-models-'));
  config = join(work, 'polytune.config.json');
  // Dates in the config keep the test independent of today's date.
  await writeFile(
    config,
    JSON.stringify({
      providers: {
        openai: {
          apiKey: 'sk-test-models-key-0000',
          calendar: [
            {
              id: 'gpt-4o-mini-2024-07-18',
              methods: ['sft', 'dpo'],
              newJobsUntil: '2999-01-06',
              date: '2026-12-06',
            },
            { id: 'gpt-4.1-nano-2025-04-14', methods: ['sft'], shutdownAt: '2026-10-23' },
          ],
        },
      },
    }),
  );
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe('polytune models', () => {
  it('lists what OpenAI can fine-tune now, with source and date; leaves out what is shut down', async () => {
    const run = await runCli('models', '--provider', 'openai', '--config', config);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/gpt-4o-mini-2024-07-18\s+sft,dpo\s+until 2999-01-06\s+config, 2026-12-06/);
    expect(run.stdout).not.toMatch(/gpt-4\.1-nano/);
    expect(server.captured).toEqual([]);
  });

  it('--json gives the list with its sources', async () => {
    const run = await runCli('models', '--provider', 'openai', '--config', config, '--json');
    const parsed = JSON.parse(run.stdout) as { provider: string; models: TunableModel[] };
    expect(parsed.provider).toBe('openai');
    expect(parsed.models.find((m) => m.id === 'gpt-4o-mini-2024-07-18')).toMatchObject({
      source: 'config',
      date: '2026-12-06',
      methods: ['sft', 'dpo'],
    });
  });

  it('says clearly when a provider has no list', async () => {
    await expect(tunableModels(createInMemoryProvider())).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: 'The memory provider cannot list its fine-tunable models.',
    });
    const listed = {
      ...createInMemoryProvider(),
      listTunableModels: async () => [
        { id: 'base-1', methods: ['sft'] as const, source: 'table', date: '2026-12-01' },
      ],
    };
    expect(await tunableModels(listed)).toEqual([
      { id: 'base-1', methods: ['sft'], source: 'table', date: '2026-12-01' },
    ]);
  });

  it('refuses an unknown provider with the valid ids', async () => {
    const run = await runCli('models', '--provider', 'nope', '--config', config);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown provider "nope"/);
  });
});
