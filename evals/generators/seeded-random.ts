import { createHash } from 'node:crypto';
import { seededRandom as mulberry32 } from '../../src/seeded-random.js';

/** The core PRNG (mulberry32) with the draws the generators use. */
export interface Random {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}

/** A 32-bit seed derived from several parts, so each (seed, case, generator) has its own stream. */
export function deriveSeed(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

/** A deterministic fraction in [0, 1) for sampling cases by hash. */
export function hashFraction(...parts: (string | number)[]): number {
  return deriveSeed(...parts) / 4294967296;
}
