import type { BatchState } from '../src/provider.js';
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
  | { type: 'done'; summary: RunSummary; files: string[]; status: RunStatus }
  | BatchEvent;

/**
 * Progress of one provider batch (`--batch`): `created` or `reattached`, then the
 * service's state with its request counts, then `settled` with how many lines
 * were written, how many were left to the online queue (`online`) and how many were written as errors (`reported`).
 */
export interface BatchEvent {
  type: 'batch';
  model: string;
  key: string;
  chunk: number;
  remoteId?: string;
  state: 'created' | 'reattached' | 'settled' | BatchState;
  rawState?: string;
  counts?: { total: number; completed: number; failed: number };
  online?: number;
  /** Lines written as errors (`failedLines: 'error'`). */
  reported?: number;
  error?: string;
}

/** `complete` when every planned result was written; `cancelled` when the run was stopped. */
export type RunStatus = 'complete' | 'cancelled';
