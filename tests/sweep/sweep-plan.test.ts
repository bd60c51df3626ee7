import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { isPolytuneError } from '../../src/errors.js';
import { parseSweep } from '../../sweep/sweep-loader.js';
import { planSweep } from '../../sweep/sweep-plan.js';
import type { SweepInput } from '../../sweep/sweep-schema.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { createInMemoryProvider } from '../jobs/in-memory-provider.js';

/** Plans against the in-memory provider: 480 training tokens an epoch, $1 per 1M tokens. */
let data: PreparedData;
beforeEach(async () => {
  data = await writePreparedFixture();
});
afterEach(async () => {
  await rm(data.dir, { recursive: true, force: true });
});

const provider = createInMemoryProvider();
const providers = async () => provider;
const sweepOf = (input: Partial<SweepInput>) =>
  parseSweep({
    name: 'plan',
    data: data.dir,
    suite: 'suite.yaml',
    trials: [{ provider: 'memory', baseModel: 'm', grid: { epochs: [4, 1, 3, 2] } }],
    budget: { usd: 1 },
    ...input,
  });
const planned = (plan: Awaited<ReturnType<typeof planSweep>>) =>
  plan.trials.filter((t) => t.status === 'planned').map((t) => t.spec.hyperparameters.epochs);

describe('planSweep', () => {
  it('prices every trial and keeps them all when the budget holds them', async () => {
    const plan = await planSweep(sweepOf({}), { providers, data });
    expect(plan.trials.map((t) => t.estimate?.amount)).toEqual([0.00048, 0.00096, 0.00144, 0.00192]);
    expect(plan.total).toBeCloseTo(0.0048, 9);
    expect(new Set(plan.trials.map((t) => t.key)).size).toBe(4);
  });

  it('cheapest-first keeps the cheapest trials that fit; file order keeps what fits in the order written', async () => {
    const cheapest = await planSweep(sweepOf({ budget: { usd: 0.002 } }), { providers, data });
    expect(planned(cheapest)).toEqual([1, 2]);
    expect(cheapest.trials.find((t) => t.spec.hyperparameters.epochs === 3)?.reason).toMatch(
      /over the \$0\.00 budget/,
    );
    const inFileOrder = await planSweep(sweepOf({ budget: { usd: 0.002 }, order: 'file' }), {
      providers,
      data,
    });
    expect(planned(inFileOrder)).toEqual([4]);
    expect(inFileOrder.trials.filter((t) => t.status === 'cut-budget')).toHaveLength(3);
  });

  it('budget.trials caps the count, in the chosen order', async () => {
    const plan = await planSweep(sweepOf({ budget: { usd: 1, trials: 2 } }), { providers, data });
    expect(planned(plan)).toEqual([1, 2]);
    expect(plan.trials.filter((t) => t.status === 'cut-trials').map((t) => t.reason)).toEqual([
      'budget.trials is 2',
      'budget.trials is 2',
    ]);
  });

  it('marks a trial the spec or the provider rejects as invalid, and plans the rest', async () => {
    const plan = await planSweep(
      sweepOf({ trials: [{ provider: 'memory', baseModel: 'm', grid: { epochs: [1, 'three', 2.5] } }] }),
      { providers, data },
    );
    expect(plan.trials.map((t) => t.status)).toEqual(['planned', 'invalid', 'invalid']);
    expect(plan.trials[1]?.reason).toMatch(/hyperparameters\.epochs/);
  });

  it('halving is refused for a billed provider: its probe jobs would cost money the plan does not count', async () => {
    const plan = await planSweep(
      sweepOf({ trials: [{ provider: 'memory', baseModel: 'm', grid: { epochs: [4] }, halving: {} }] }),
      { providers, data },
    );
    expect(plan.trials[0]?.status).toBe('invalid');
    expect(plan.trials[0]?.reason).toMatch(/halving is for local-onnx trials/);
  });

  it('a search-space name polytune does not know fails the sweep file with the valid names', () => {
    try {
      sweepOf({ trials: [{ provider: 'memory', baseModel: 'm', grid: { lr: [0.1] } }] });
      expect.unreachable();
    } catch (error) {
      expect(isPolytuneError(error) && error.code).toBe('INVALID_INPUT');
      expect((error as Error).message).toMatch(
        /trials\.0\.grid\.lr.*learningRate.*extra\.<provider option>/s,
      );
    }
  });
});
