import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSuite } from '../../evals/suite-loader.js';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { readExamples } from '../../src/dataset/read-prepared.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import { runSweep } from '../../sweep/run-sweep.js';
import type { SweepEvent } from '../../sweep/sweep-events.js';
import { parseSweep } from '../../sweep/sweep-loader.js';
import { createInMemoryProvider } from '../jobs/in-memory-provider.js';
import { writeChatFixture } from './chat-fixture.js';

/** Time and failure limits of a run, on the in-memory provider with an injected clock. */
let data: PreparedData;
let dir: string;
beforeEach(async () => {
  data = await writeChatFixture();
  dir = await mkdtemp(join(tmpdir(), 'polytune-sweep-limits-'));
});
afterEach(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

function setup(budget: { usd: number; hours?: number }) {
  const provider = createInMemoryProvider();
  provider.backend.generationText = '2000'; // the first validation answer
  let clock = Date.parse('2026-12-06T00:00:00Z');
  const sweep = parseSweep({
    name: 'limits',
    data: data.dir,
    suite: 'unused',
    trials: [{ provider: 'memory', baseModel: 'm', grid: { epochs: [1, 2, 3] } }],
    budget,
    order: 'file',
  });
  const options = {
    providers: async () => provider,
    data,
    suite: parseSuite({ name: 's', sources: [{ heldout: data.dir }] }, dir),
    ledger: new JobLedger({ dir: join(dir, 'ledger') }),
    out: join(dir, 'out'),
    wait: { sleep: async () => {} },
    eval: { cache: false as const },
    now: () => clock,
  };
  return {
    provider,
    sweep,
    options,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('runSweep limits', () => {
  it('starts no trial once budget.hours has passed; the trials already run still pick a winner', async () => {
    const { provider, sweep, options, advance } = setup({ usd: 1, hours: 2 });
    const report = await runSweep(sweep, {
      ...options,
      onEvent: (e: SweepEvent) => {
        if (e.type === 'trial-submitted') provider.backend.setState(e.ref.remoteId, 'succeeded');
        if (e.type === 'trial-done') advance(90 * 60_000);
      },
    });
    expect(report.trials.map((t) => t.status)).toEqual(['evaluated', 'evaluated', 'skipped-hours']);
    expect(provider.backend.jobs.size).toBe(2);
    expect(report.winner?.trial).toBe('memory-1');
    expect(report.trials[0]?.validation?.passRate).toBeCloseTo(1 / 3, 9);
  });

  it('a failed job is reported with its reason and still counts its estimate as spent', async () => {
    const { provider, sweep, options } = setup({ usd: 1 });
    const report = await runSweep(sweep, {
      ...options,
      onEvent: (e: SweepEvent) => {
        if (e.type === 'trial-submitted')
          provider.backend.setState(e.ref.remoteId, e.trial === 'memory-2' ? 'failed' : 'succeeded');
      },
    });
    const failed = report.trials[1];
    expect(failed?.status).toBe('failed');
    expect(failed?.reason).toMatch(/job failed .*the data was bad/);
    expect(failed?.cost).toEqual({ amount: 0.00096, actual: false });
    expect(report.pareto).not.toContain('memory-2');
  });

  it('no winner when no trial could be evaluated: the test split is never read', async () => {
    const { provider, sweep, options } = setup({ usd: 1 });
    const reads: string[] = [];
    const report = await runSweep(sweep, {
      ...options,
      readSplit: (file, split) => {
        reads.push(split);
        return readExamples(file);
      },
      onEvent: (e: SweepEvent) => {
        if (e.type === 'trial-submitted') provider.backend.setState(e.ref.remoteId, 'failed');
      },
    });
    expect(report.winner).toBeUndefined();
    expect(reads).toEqual([]); // no trial reached its validation run either
  });
});
