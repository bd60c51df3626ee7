import type { Model } from '../src/provider.js';
import type { RetryPolicy } from '../src/retry.js';
import type { RunSummary } from './aggregate.js';
import type { EvalEvent, RunStatus } from './eval-events.js';
import type { ExecuteModel } from './model-execution.js';
import type { LoadedSuite } from './suite.js';

export interface RunEvalOptions {
  suite: LoadedSuite;
  /** Models to evaluate, each on every case. Ids must be distinct. */
  models: Model[];
  /** Id of the model the others are compared with (McNemar, delta). It must be one of `models`. */
  baseline?: string;
  /** Folder for results.jsonl and the reports. */
  out: string;
  /** Requests in flight at once. @default 8 */
  concurrency?: number;
  /** Requests started per minute, per run. @default unlimited */
  requestsPerMinute?: number;
  /** Tokens per minute (input estimate + max output), per run. @default unlimited */
  tokensPerMinute?: number;
  /** Runs of each case per model, for consistency. @default 1 */
  repeats?: number;
  /** Keep results.jsonl and run only cases without a line. @default false */
  resume?: boolean;
  /** Cache folder, or false to bypass. @default '.polytune/eval-cache' */
  cache?: string | false;
  /** Time one case may take, retries included, before it ends as a TIMEOUT error. @default 120_000 */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The judge for llm-judge graders: one model, or a resolver for graders that name a model ref. */
  judge?: Model | ((ref: string | undefined) => Model | Promise<Model>);
  /** Write results.json, summary.md, junit.xml, report.html at the end. @default true */
  reports?: boolean;
  /**
   * Runs one model's planned cases another way than one online request each (e.g. a provider's
   * batch API). @default the online executor (p-queue, rate limits, retries, deadlines)
   */
  executeModel?: ExecuteModel;
  /**
   * Send the cases of models that have a batch service (`Model.batch`: OpenAI Batch API,
   * Vertex batch prediction) through it first, at batch prices; what it leaves runs online.
   * @default false
   */
  batch?: boolean | { ledgerDir?: string; pollIntervalMs?: number; failedLines?: 'online' | 'error' };
  onEvent?: (event: EvalEvent) => void;
  signal?: AbortSignal;
  /** Injectable waits and randomness for retries (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface EvalRunResult {
  status: RunStatus;
  summary: RunSummary;
  /** Results written by this run, and kept from before (`resume`). */
  counts: { planned: number; written: number; resumed: number; errors: number; cached: number };
  files: string[];
}
