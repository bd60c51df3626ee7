import type { RunSummary } from './aggregate.js';
import type { CaseResult } from './case-result.js';

/** What the runner reports while it works; only `src/cli` renders these. */
export type EvalEvent =
  | {
      type: 'start';
      /** Results this run will produce (cases × models × repeats), resumed ones excluded. */
      total: number;
      /** Results already in results.jsonl and kept (`--resume`). */
      resumed: number;
      cases: number;
      models: string[];
      out: string;
    }
  | { type: 'case'; result: CaseResult; done: number; total: number; errors: number; cached: number }
  | { type: 'retry'; model: string; id: string; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; summary: RunSummary; files: string[]; status: RunStatus };

/** `complete` when every planned result was written; `cancelled` when the run was stopped. */
export type RunStatus = 'complete' | 'cancelled';
