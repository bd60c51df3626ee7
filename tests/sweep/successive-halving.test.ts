import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { rungEpochs, runHalving } from '../../sweep/successive-halving.js';
import type { PlannedTrial } from '../../sweep/sweep-plan.js';
import type { TrialResult } from '../../sweep/sweep-report.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';

let data: PreparedData;
beforeEach(async () => {
  data = await writePreparedFixture();
});
afterEach(async () => {
  await rm(data.dir, { recursive: true, force: true });
});

const trial = (id: string, epochs: number): PlannedTrial => ({
  id,
  block: 'b',
  provider: 'local-onnx',
  point: {},
  spec: {
    provider: 'local-onnx',
    baseModel: 'default',
    method: 'classification',
    hyperparameters: { epochs },
  },
  key: id,
  issues: [],
  status: 'planned',
  halving: { fraction: 0.25 },
});

describe('successive halving', () => {
  it('rungs train a quarter, a half, then all of the epochs', () => {
    expect([0, 1, 2, 3].map((r) => rungEpochs(8, 0.25, r))).toEqual([2, 4, 8, 8]);
    expect(rungEpochs(3, 0.1, 0)).toBe(1);
  });

  it('keeps the better half at each rung, stops the rest, and trains the survivor in full', async () => {
    // Validation accuracy grows with epochs; trial quality decides the order.
    const quality: Record<string, number> = { a: 0.5, b: 0.9, c: 0.7, d: 0.6 };
    const runs: string[] = [];
    const run = async (t: PlannedTrial): Promise<TrialResult> => {
      const epochs = t.spec.hyperparameters.epochs as number;
      runs.push(`${t.id}:${epochs}`);
      const value = (quality[t.id.split('@')[0] as string] as number) * (0.5 + epochs / 16);
      return {
        id: t.id,
        provider: t.provider,
        baseModel: 'default',
        method: 'classification',
        hyperparameters: t.spec.hyperparameters,
        key: t.key,
        status: 'evaluated',
        cost: { amount: 0, actual: false },
        seconds: epochs,
        validation: { value, n: 100, passRate: value },
      };
    };
    const results = await runHalving([trial('a', 8), trial('b', 8), trial('c', 8), trial('d', 8)], {
      data,
      select: 'point',
      run,
    });
    expect(runs).toEqual(['a@r0:2', 'b@r0:2', 'c@r0:2', 'd@r0:2', 'b@r1:4', 'c@r1:4', 'b@r2:8']);
    expect(results.map((r) => [r.id, r.status, r.hyperparameters.epochs])).toEqual([
      ['a', 'halved', 2],
      ['b', 'evaluated', 8],
      ['c', 'halved', 4],
      ['d', 'halved', 2],
    ]);
    expect(results[1]?.seconds).toBe(2 + 4 + 8);
    expect(results[2]?.reason).toMatch(/stopped after rung 1 \(4 of 8 epochs\)/);
    // Each rung is its own job: its key differs from the full trial's.
    expect(new Set(runs).size).toBe(7);
  });
});
