import type { Hyperparameters } from '../src/jobs/job-spec.js';
import { seededRandom } from '../src/seeded-random.js';
import type { RandomRange, TrialBlock } from './sweep-schema.js';

/** One point of a search space: a value per dimension (`epochs`, `extra.hidden`, …). */
export type SearchPoint = Record<string, number | string | boolean>;

/** Every combination of the grid's values, in the file's order (the last dimension varies fastest). */
export function gridPoints(grid: Record<string, readonly (number | string | boolean)[]>): SearchPoint[] {
  let points: SearchPoint[] = [{}];
  for (const [name, values] of Object.entries(grid)) {
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

function sampleRange(range: RandomRange, next: () => number): number {
  const u = next();
  const value = range.log
    ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min)))
    : range.min + u * (range.max - range.min);
  // Six significant digits keep keys and the leaderboard readable; integers round.
  return range.integer ? Math.round(value) : Number(value.toPrecision(6));
}

/** `count` points sampled with a seeded PRNG: the same seed gives the same trials, so a re-run re-attaches. */
export function randomPoints(random: NonNullable<TrialBlock['random']>): SearchPoint[] {
  const next = seededRandom(random.seed);
  return Array.from({ length: random.count }, () => {
    const point: SearchPoint = {};
    for (const [name, space] of Object.entries(random.space)) {
      point[name] = Array.isArray(space)
        ? (space[Math.floor(next() * space.length)] as number | string | boolean)
        : sampleRange(space, next);
    }
    return point;
  });
}

/** The block's points: grid × random when both are given, one empty point when neither is. */
export function blockPoints(block: TrialBlock): SearchPoint[] {
  const grid = block.grid ? gridPoints(block.grid) : [{}];
  const random = block.random ? randomPoints(block.random) : [{}];
  return grid.flatMap((g) => random.map((r) => ({ ...g, ...r })));
}

/** Splits a point into polytune hyperparameters and the provider's own `extra` options. */
export function applyPoint(
  point: SearchPoint,
  fixed: Hyperparameters,
  extra: Record<string, unknown> | undefined,
): { hyperparameters: Record<string, unknown>; extra?: Record<string, unknown> } {
  const hyperparameters: Record<string, unknown> = { ...fixed };
  const merged: Record<string, unknown> = { ...(extra ?? {}) };
  for (const [name, value] of Object.entries(point)) {
    if (name.startsWith('extra.')) merged[name.slice('extra.'.length)] = value;
    else hyperparameters[name] = value;
  }
  return { hyperparameters, ...(Object.keys(merged).length ? { extra: merged } : {}) };
}
