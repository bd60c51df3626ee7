import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { packageVersion } from '../../src/package-root.js';
import type { Suite } from '../suite.js';

/** Where a run came from, so a report can be traced and re-run. */
export interface Provenance {
  /** sha256 of the suite as parsed (defaults filled in), first 16 hex digits. */
  suiteHash: string;
  /** Seeds of the generated case sources and of generation, in suite order. */
  seeds: number[];
  polytuneVersion: string;
  /** The commit of the working directory, when it is a git checkout (or GITHUB_SHA in Actions). */
  gitCommit?: string;
  createdAt: string;
}

function gitCommit(): string | undefined {
  if (process.env.GITHUB_SHA) return process.env.GITHUB_SHA;
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2_000,
    })
      .toString()
      .trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined; // not a checkout, or no git
  }
}

export function suiteHash(suite: Suite): string {
  return createHash('sha256').update(JSON.stringify(suite)).digest('hex').slice(0, 16);
}

export function provenance(suite: Suite, createdAt: string): Provenance {
  const seeds = suite.sources.flatMap((s) => ('generate' in s ? [s.seed] : []));
  if (suite.generation.seed !== undefined) seeds.push(suite.generation.seed);
  const commit = gitCommit();
  return {
    suiteHash: suiteHash(suite),
    seeds,
    polytuneVersion: packageVersion(),
    ...(commit ? { gitCommit: commit } : {}),
    createdAt,
  };
}
