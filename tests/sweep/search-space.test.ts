import { describe, expect, it } from 'vitest';
import { applyPoint, blockPoints, gridPoints, randomPoints } from '../../sweep/search-space.js';
import { TrialBlockSchema } from '../../sweep/sweep-schema.js';

describe('search spaces', () => {
  it('a grid is every combination, the last dimension varying fastest', () => {
    expect(gridPoints({ epochs: [1, 2], 'extra.hidden': [8, 64] })).toEqual([
      { epochs: 1, 'extra.hidden': 8 },
      { epochs: 1, 'extra.hidden': 64 },
      { epochs: 2, 'extra.hidden': 8 },
      { epochs: 2, 'extra.hidden': 64 },
    ]);
  });

  it('random search is seeded: the same seed gives the same trials (so a re-run re-attaches), another seed others', () => {
    const space = {
      learningRate: { min: 1e-4, max: 1e-2, log: true, integer: false },
      batchSize: [16, 32, 64],
      epochs: { min: 1, max: 10, log: false, integer: true },
    };
    const a = randomPoints({ count: 20, seed: 7, space });
    expect(randomPoints({ count: 20, seed: 7, space })).toEqual(a);
    expect(randomPoints({ count: 20, seed: 8, space })).not.toEqual(a);
    for (const p of a) {
      expect(p.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(p.learningRate).toBeLessThanOrEqual(1e-2);
      expect([16, 32, 64]).toContain(p.batchSize);
      expect(Number.isInteger(p.epochs)).toBe(true);
    }
    // Log sampling spreads over the decades: some draws fall below 1e-3 (a linear draw rarely would).
    expect(a.filter((p) => (p.learningRate as number) < 1e-3).length).toBeGreaterThan(4);
  });

  it('a block crosses its grid with its random draws, and splits hyperparameters from provider options', () => {
    const block = TrialBlockSchema.parse({
      provider: 'local-onnx',
      fixed: { seed: 1 },
      extra: { device: 'cpu' },
      grid: { 'extra.hidden': [8, 64] },
      random: { count: 3, seed: 1, space: { epochs: { min: 1, max: 5, integer: true } } },
    });
    const points = blockPoints(block);
    expect(points).toHaveLength(6);
    expect(applyPoint(points[0] as never, block.fixed, block.extra)).toEqual({
      hyperparameters: { seed: 1, epochs: points[0]?.epochs },
      extra: { device: 'cpu', hidden: 8 },
    });
  });
});
