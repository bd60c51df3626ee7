import { describe, expect, it } from 'vitest';
import { paretoTrials, selectWinner } from '../../sweep/select-winner.js';
import type { TrialResult } from '../../sweep/sweep-report.js';

const trial = (id: string, value: number, low: number, cost: number): TrialResult => ({
  id,
  provider: 'p',
  baseModel: 'm',
  method: 'sft',
  hyperparameters: {},
  key: id,
  status: 'evaluated',
  cost: { amount: cost, actual: true },
  validation: { value, interval: { low, high: Math.min(1, value + (value - low)) }, n: 10, passRate: value },
});

describe('choosing the winner', () => {
  const lucky = trial('small-sample', 0.9, 0.6, 2); // high point estimate, wide interval
  const steady = trial('large-sample', 0.85, 0.81, 5);
  const cheap = trial('cheap', 0.7, 0.65, 0.5);

  it('point picks the best estimate; lower-bound the best guaranteed figure', () => {
    expect(selectWinner([lucky, steady, cheap], 'point')?.id).toBe('small-sample');
    expect(selectWinner([lucky, steady, cheap], 'lower-bound')?.id).toBe('large-sample');
  });

  it('ties go to the cheaper trial; trials without a validation figure never win', () => {
    const twin = { ...steady, id: 'twin', cost: { amount: 1, actual: true } };
    expect(selectWinner([steady, twin], 'point')?.id).toBe('twin');
    expect(selectWinner([{ ...steady, status: 'failed', validation: undefined }], 'point')).toBeUndefined();
  });

  it('the Pareto front holds the trials no other trial beats on both cost and metric', () => {
    const dominated = trial('dominated', 0.6, 0.5, 3);
    expect([...paretoTrials([lucky, steady, cheap, dominated])].sort()).toEqual(['cheap', 'small-sample']);
  });
});
