import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolytuneError } from '../src/errors.js';
import type { Model } from '../src/provider.js';
import { Aggregator } from './aggregate.js';
import { resultKey } from './case-result.js';
import { type CaseStream, openCaseStream } from './case-sources.js';
import { KeySet } from './key-set.js';
import type { PlannedCase } from './model-execution.js';
import { readResultLines, repairTail } from './results-log.js';
import type { RunEvalOptions } from './run-options.js';

/** What the execute stage needs: the models, the cases still to run, where results go. */
export interface RunPlan {
  models: Model[];
  ids: string[];
  repeats: number;
  out: string;
  resultsFile: string;
  /** Append to results.jsonl (resume) rather than start it afresh. */
  append: boolean;
  /** Keys (model, case, repeat) that already have a result line. */
  done: KeySet;
  /** Holds the resumed results already; the execute stage adds the new ones. */
  aggregator: Aggregator;
  stream: CaseStream;
  caseCount: number;
  /** Results this run will write (cases × repeats × models, less the resumed). */
  total: number;
}

function checkOptions(options: RunEvalOptions): void {
  const concurrency = options.concurrency ?? 8;
  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new PolytuneError(
      'USAGE',
      `Expected concurrency to be an integer from 1 and up, got ${concurrency}.`,
    );
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new PolytuneError('USAGE', `Expected repeats to be an integer from 1 and up, got ${repeats}.`);
  }
  if (options.models.length === 0)
    throw new PolytuneError('USAGE', 'No model to evaluate.', { hint: 'Pass at least one --model.' });
  const ids = options.models.map((m) => m.id);
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
}

/** With --resume: the keys already in results.jsonl (a torn last line cut first), folded into the summary. */
async function readResumed(resultsFile: string, ids: string[], aggregator: Aggregator): Promise<KeySet> {
  // Resume keys as 64-bit hashes: 8 bytes a result, not a string each.
  const done = new KeySet();
  await repairTail(resultsFile);
  for await (const result of readResultLines(resultsFile)) {
    if (!ids.includes(result.model)) continue;
    if (!done.add(resultKey(result.model, result.id, result.repeat ?? 0))) continue;
    aggregator.add(result);
  }
  return done;
}

/**
 * Progress needs a total up front. Counting lines is exact and cheap for plain
 * suites; with --resume or generators the cases are streamed once to count.
 */
async function countWork(
  stream: CaseStream,
  ids: string[],
  repeats: number,
  done: KeySet,
): Promise<{ caseCount: number; total: number }> {
  const quick = done.size === 0 ? await stream.count?.() : undefined;
  if (quick !== undefined) return { caseCount: quick, total: quick * repeats * ids.length };
  let caseCount = 0;
  let total = 0;
  for await (const c of stream.cases()) {
    caseCount++;
    for (let r = 0; r < repeats; r++) for (const id of ids) if (!done.has(resultKey(id, c.id, r))) total++;
  }
  return { caseCount, total };
}

/** The plan stage: checks the options, resolves the suite's cases, the resume set and the totals. */
export async function planRun(options: RunEvalOptions): Promise<RunPlan> {
  checkOptions(options);
  const { models } = options;
  const ids = models.map((m) => m.id);
  const repeats = options.repeats ?? 1;
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const resultsFile = join(out, 'results.jsonl');
  const aggregator = new Aggregator(ids, repeats, options.baseline);
  const done = options.resume ? await readResumed(resultsFile, ids, aggregator) : new KeySet();
  const append = options.resume === true && (await stat(resultsFile).catch(() => undefined)) !== undefined;
  const stream = await openCaseStream(options.suite);
  const { caseCount, total } = await countWork(stream, ids, repeats, done);
  return { models, ids, repeats, out, resultsFile, append, done, aggregator, stream, caseCount, total };
}

/** The cases one model still has to run, in suite order, repeats together. */
export async function* plannedCases(plan: RunPlan, model: Model): AsyncIterable<PlannedCase> {
  for await (const testCase of plan.stream.cases()) {
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      if (!plan.done.has(resultKey(model.id, testCase.id, repeat))) yield { testCase, repeat };
    }
  }
}
