import type { EvalEvent } from '../evals/eval-events.js';
import type { JobEvent, JobRef } from '../src/provider.js';
import type { SweepPlan } from './sweep-plan.js';
import type { SweepReport, TrialResult } from './sweep-report.js';

/** What a running sweep reports; only the CLI renders these. */
export type SweepEvent =
  | { type: 'plan'; plan: SweepPlan }
  | { type: 'trial-start'; trial: string; provider: string }
  | { type: 'trial-submitted'; trial: string; ref: JobRef; reattached: boolean }
  | { type: 'trial-job'; trial: string; event: JobEvent }
  | { type: 'trial-eval'; trial: string; event: EvalEvent }
  | { type: 'trial-done'; trial: string; result: TrialResult; spent: number; committed: number }
  | { type: 'winner'; trial: string }
  | { type: 'test-eval'; event: EvalEvent }
  | { type: 'done'; report: SweepReport };
