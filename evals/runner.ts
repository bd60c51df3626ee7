import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import PQueue from 'p-queue';
import { isPolytuneError, PolytuneError } from '../src/errors.js';
import type { GenerateRequest, Generation, Model } from '../src/provider.js';
import { redact } from '../src/redact.js';
import { type RetryPolicy, withRetry } from '../src/retry.js';
import { Aggregator, type RunSummary } from './aggregate.js';
import { batchErrorResult } from './batch/batch-error-result.js';
import { executeBatches } from './batch/execute-batches.js';
import { CaseDeadlines } from './case-deadlines.js';
import type { CaseResult } from './case-result.js';
import { resultKey } from './case-result.js';
import { openCaseStream } from './case-sources.js';
import type { EvalEvent, RunStatus } from './eval-events.js';
import { gradeCase } from './graders/grade.js';
import type { GradeContext } from './graders/grader-types.js';
import { KeySet } from './key-set.js';
import { writeReports } from './report/write-reports.js';
import { ResultCache } from './result-cache.js';
import { ResultsWriter, readResultLines, repairTail } from './results-log.js';
import type { EvalCase, LoadedSuite, Suite } from './suite.js';
import { TokenBudget } from './token-budget.js';

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

/** The request sent for a case: the suite's system message first, then the case input, with the suite's parameters. */
export function buildRequest(testCase: EvalCase, suite: Suite): GenerateRequest {
  const { input } = testCase;
  let requestInput: GenerateRequest['input'] = input;
  if (suite.system !== undefined) {
    requestInput =
      typeof input === 'string'
        ? [
            { role: 'system', content: suite.system },
            { role: 'user', content: input },
          ]
        : input[0]?.role === 'system'
          ? input
          : [{ role: 'system', content: suite.system }, ...input];
  }
  const g = suite.generation;
  return {
    input: requestInput,
    ...(g.maxTokens !== undefined ? { maxTokens: g.maxTokens } : {}),
    temperature: g.temperature,
    ...(g.topP !== undefined ? { topP: g.topP } : {}),
    ...(g.stop !== undefined ? { stop: g.stop } : {}),
    ...(g.seed !== undefined ? { seed: g.seed } : {}),
  };
}

function estimateTokens(request: GenerateRequest): number {
  const chars =
    typeof request.input === 'string'
      ? request.input.length
      : request.input.reduce((n, m) => n + (m.content?.length ?? 0) + 4, 0);
  return Math.ceil(chars / 4) + (request.maxTokens ?? 256);
}

function costOf(model: Model, usage: Generation['usage']): number | undefined {
  if (!model.price || !usage) return undefined;
  return (
    (usage.inputTokens * model.price.inputPer1M + usage.outputTokens * model.price.outputPer1M) / 1_000_000
  );
}

function describeError(error: unknown): { code: string; reason: string } {
  if (isPolytuneError(error)) {
    return {
      code: error.code,
      reason: redact(`${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'PROVIDER', reason: redact(`model error: ${message}`) };
}

/**
 * Runs every case of a suite against every model: streamed from the sources,
 * queued with a concurrency and rate limit, retried through the one retry
 * policy, cached on disk, graded, appended to `<out>/results.jsonl` as each
 * one finishes, and folded into the summary. Every planned (model, case,
 * repeat) ends as exactly one line: pass, fail or error, with a reason.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalRunResult> {
  const { suite: loaded, models } = options;
  const concurrency = options.concurrency ?? 8;
  const repeats = options.repeats ?? 1;
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new PolytuneError(
      'USAGE',
      `Expected concurrency to be an integer from 1 and up, got ${concurrency}.`,
    );
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new PolytuneError('USAGE', `Expected repeats to be an integer from 1 and up, got ${repeats}.`);
  }
  if (models.length === 0)
    throw new PolytuneError('USAGE', 'No model to evaluate.', { hint: 'Pass at least one --model.' });
  const ids = models.map((m) => m.id);
  if (new Set(ids).size !== ids.length) {
    throw new PolytuneError('USAGE', `The same model is listed twice: ${ids.join(', ')}.`, {
      hint: 'List each model once.',
    });
  }
  if (options.baseline !== undefined && !ids.includes(options.baseline)) {
    throw new PolytuneError(
      'USAGE',
      `The baseline ${options.baseline} is not one of the evaluated models (${ids.join(', ')}).`,
      {
        hint: 'The baseline must also be evaluated; pass it with --baseline and it is added to the models.',
      },
    );
  }

  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const resultsFile = join(out, 'results.jsonl');
  const aggregator = new Aggregator(ids, repeats, options.baseline);
  // Resume keys as 64-bit hashes: 8 bytes a result, not a string each.
  const done = new KeySet();
  if (options.resume) {
    await repairTail(resultsFile);
    for await (const result of readResultLines(resultsFile)) {
      if (!ids.includes(result.model)) continue;
      if (!done.add(resultKey(result.model, result.id, result.repeat ?? 0))) continue;
      aggregator.add(result);
    }
  }
  const append = options.resume === true && (await stat(resultsFile).catch(() => undefined)) !== undefined;

  const stream = await openCaseStream(loaded);
  // Progress needs a total up front. Counting lines is exact and cheap for plain
  // suites; with --resume or generators the cases are streamed once to count.
  let caseCount = 0;
  let total = 0;
  const quick = done.size === 0 ? await stream.count?.() : undefined;
  if (quick !== undefined) {
    caseCount = quick;
    total = quick * repeats * ids.length;
  } else {
    for await (const c of stream.cases()) {
      caseCount++;
      for (let r = 0; r < repeats; r++) for (const id of ids) if (!done.has(resultKey(id, c.id, r))) total++;
    }
  }
  const resumed = done.size;
  const emit = options.onEvent ?? (() => undefined);
  emit({ type: 'start', total, resumed, cases: caseCount, models: ids, out });

  const cache =
    options.cache === false ? undefined : new ResultCache(resolve(options.cache ?? '.polytune/eval-cache'));
  const queue = new PQueue({
    concurrency,
    ...(options.requestsPerMinute
      ? { intervalCap: options.requestsPerMinute, interval: 60_000, strict: true }
      : {}),
  });
  const tokens = options.tokensPerMinute
    ? new TokenBudget(
        options.tokensPerMinute,
        options.now,
        options.sleep ? (ms) => (options.sleep as NonNullable<RunEvalOptions['sleep']>)(ms) : undefined,
      )
    : undefined;
  const writer = new ResultsWriter(resultsFile, append);
  const now = options.now ?? Date.now;
  const counts = { planned: total, written: 0, resumed, errors: 0, cached: 0 };

  const judgeModels = new Map<string, Promise<Model>>();
  const resolveJudge = (ref: string | undefined): Promise<Model> => {
    const judge = options.judge;
    if (!judge) {
      return Promise.reject(
        new PolytuneError('INVALID_INPUT', 'An llm-judge grader needs a judge model.', {
          hint: 'Pass --judge <model ref>, or `judge` to runEval.',
          isRetryable: false,
        }),
      );
    }
    if (typeof judge !== 'function') return Promise.resolve(judge);
    const key = ref ?? '';
    let model = judgeModels.get(key);
    if (!model) {
      model = Promise.resolve(judge(ref));
      judgeModels.set(key, model);
    }
    return model;
  };

  /** One model call: from the cache, or through the retry policy (then cached). */
  const generate = async (
    model: Model,
    request: GenerateRequest,
    signal: AbortSignal,
    onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
    tally: { attempts: number } = { attempts: 0 },
  ): Promise<{ generation: Generation; cached: boolean }> => {
    const key = cache ? ResultCache.key(model.id, request) : '';
    if (cache) {
      const hit = await cache.get(key);
      if (hit) return { generation: hit, cached: true };
    }
    const generation = await withRetry(
      async () => {
        tally.attempts++;
        const settle = tokens ? await tokens.reserve(estimateTokens(request)) : undefined;
        try {
          const result = await model.generate(request, signal);
          settle?.(
            result.usage ? result.usage.inputTokens + result.usage.outputTokens : estimateTokens(request),
          );
          return result;
        } catch (error) {
          if (signal.aborted) throw signal.reason ?? error;
          throw error;
        }
      },
      {
        ...options.retry,
        signal,
        random: options.random,
        sleep: options.sleep,
        onRetry: ({ attempt, delayMs, error }) => onRetry?.(attempt, delayMs, error),
      },
    );
    if (cache) await cache.set(key, generation);
    return { generation, cached: false };
  };

  const deadlines = new CaseDeadlines(timeoutMs, options.signal);
  const suiteRequest = loaded.suite;

  const runOne = async (
    model: Model,
    testCase: EvalCase,
    repeat: number,
    answered?: Generation,
  ): Promise<CaseResult> => {
    // Plain assignments, not conditional spreads: this runs once per case and object spreads are slow.
    const result = {
      model: model.id,
      id: testCase.id,
      repeat,
      category: testCase.category,
      input: testCase.input,
    } as CaseResult;
    if (testCase.expected !== undefined) result.expected = testCase.expected;
    if (testCase.generator) result.generator = testCase.generator;
    if (!testCase.graders || testCase.graders.length === 0) {
      result.status = 'error';
      result.errorCode = 'INVALID_INPUT';
      result.reason =
        'no grader: the case has no `expected` answer and no graders (add either, or suite `graders`)';
      result.finishedAt = new Date(now()).toISOString();
      return result;
    }
    const deadline = deadlines.start();
    const signal = deadline.signal;
    const tally = { attempts: 0 };
    let generation: Generation | undefined;
    let cached = false;
    try {
      const request = buildRequest(testCase, suiteRequest);
      // Repeats of a case are distinct samples, so they must not share a cache entry.
      const keyed = repeat > 0 ? { ...request, seed: (request.seed ?? 0) + repeat } : request;
      // A generation a provider batch already returned (--batch) is graded as is.
      const call = answered
        ? { generation: answered, cached: false }
        : await generate(
            model,
            keyed,
            signal,
            (attempt, delayMs, error) =>
              emit({
                type: 'retry',
                model: model.id,
                id: testCase.id,
                attempt,
                delayMs,
                reason: describeError(error).reason,
              }),
            tally,
          );
      generation = call.generation;
      cached = call.cached;
      const grade = await gradeCase(generation.text, testCase, {
        signal,
        judge: async (ref, judgeRequest, judgeSignal) =>
          (await generate(await resolveJudge(ref), judgeRequest, judgeSignal ?? signal)).generation,
      } satisfies GradeContext);
      const usage = generation.usage;
      result.status = grade.pass ? 'pass' : 'fail';
      result.reason = grade.reason;
      result.output = generation.text;
      result.score = grade.score;
      result.graders = grade.graders;
      result.latencyMs = generation.latencyMs;
      if (usage) result.tokens = { input: usage.inputTokens, output: usage.outputTokens };
      const cost = costOf(model, usage);
      if (cost !== undefined) result.cost = cost;
      result.cached = cached;
      result.attempts = tally.attempts;
      result.finishedAt = new Date(now()).toISOString();
      return result;
    } catch (error) {
      const { code, reason } = describeError(deadline.timedOut() ? deadline.reason() : error);
      result.status = 'error';
      result.errorCode = code;
      result.reason = tally.attempts > 1 ? `${reason} (after ${tally.attempts} attempts)` : reason;
      if (generation) {
        result.output = generation.text;
        result.latencyMs = generation.latencyMs;
      }
      result.cached = cached;
      result.attempts = tally.attempts;
      result.finishedAt = new Date(now()).toISOString();
      return result;
    } finally {
      deadline.done();
    }
  };

  let writeFailure: unknown;
  const finish = async (result: CaseResult) => {
    try {
      await writer.write(result);
    } catch (error) {
      writeFailure ??= error;
      return;
    }
    aggregator.add(result);
    counts.written++;
    if (result.status === 'error') counts.errors++;
    if (result.cached) counts.cached++;
    emit({ type: 'case', result, done: counts.written, total, errors: counts.errors, cached: counts.cached });
  };

  const backlog = Math.min(concurrency, 16);
  let status: RunStatus = 'complete';
  try {
    // --batch: provider batch services answer what they can; the online queue below runs the rest.
    if (options.batch) {
      const batchOptions = typeof options.batch === 'object' ? options.batch : {};
      await executeBatches({
        ...batchOptions,
        suite: loaded,
        cases: () => stream.cases(),
        models,
        repeats,
        buildRequest,
        isDone: (model, id, repeat) => done.has(resultKey(model, id, repeat)),
        settle: async (model, testCase, repeat, generation) => {
          const result = await runOne(model, testCase, repeat, generation);
          delete result.latencyMs; // a batch has no per-request latency
          done.add(resultKey(model.id, testCase.id, repeat));
          await finish(result);
        },
        fail: async (model, testCase, repeat, error) => {
          done.add(resultKey(model.id, testCase.id, repeat));
          await finish(batchErrorResult(model.id, testCase, repeat, error, new Date(now()).toISOString()));
        },
        emit,
        retry: options.retry,
        signal: options.signal,
        sleep: options.sleep,
        now: options.now,
      });
    }
    outer: for await (const testCase of stream.cases()) {
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const model of models) {
          if (options.signal?.aborted || writeFailure) break outer;
          if (done.has(resultKey(model.id, testCase.id, repeat))) continue;
          // Backpressure: only a few tasks wait in the queue, so memory does not grow with the suite;
          // a short backlog also keeps waiting cases young enough to die in V8's new space.
          if (queue.size >= backlog) await queue.onSizeLessThan(Math.ceil(backlog / 2));
          queue.add(async () => {
            if (options.signal?.aborted) return;
            await finish(await runOne(model, testCase, repeat));
          });
        }
      }
    }
    await queue.onIdle();
  } finally {
    deadlines.dispose();
    await cache?.close();
    await writer.close();
  }
  if (writeFailure) {
    throw new PolytuneError('INTERNAL', `Cannot write ${resultsFile}: ${(writeFailure as Error).message}`, {
      cause: writeFailure,
      hint: 'Check free disk space and permissions on the --out folder, then re-run with --resume.',
    });
  }
  if (options.signal?.aborted || counts.written < total) status = 'cancelled';

  const summary = aggregator.summary();
  const files = [resultsFile];
  if (options.reports !== false) {
    files.push(
      ...(await writeReports({
        out,
        resultsFile,
        suite: loaded,
        summary,
        status,
        models: ids,
      })),
    );
  }
  emit({ type: 'done', summary, files, status });
  return { status, summary, counts, files };
}
