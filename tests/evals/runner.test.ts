import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../evals/case-result.js';
import type { EvalEvent } from '../../evals/eval-events.js';
import { type RunEvalOptions, runEval } from '../../evals/runner.js';
import type { SuiteInput } from '../../evals/suite.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { PolytuneError } from '../../src/errors.js';
import { fakeModel, lastText, rateLimited } from './fake-model.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-eval-'));
});

const suite = (extra: Partial<SuiteInput> = {}) =>
  parseSuite(
    {
      name: 'capitals',
      cases: [
        { id: 'fr', input: 'France', expected: 'Paris' },
        { id: 'de', input: 'Germany', expected: 'Berlin' },
        { id: 'it', input: 'Italy', expected: 'Rome' },
        { id: 'es', input: 'Spain', expected: 'Madrid' },
      ],
      ...extra,
    },
    dir,
  );
const CAPITALS: Record<string, string> = {
  France: 'Paris',
  Germany: 'Berlin',
  Italy: 'Rome',
  Spain: 'Madrid',
};

async function lines(out: string): Promise<CaseResult[]> {
  const text = await readFile(join(out, 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaseResult);
}

const base = (over: Partial<RunEvalOptions>): RunEvalOptions => ({
  suite: suite(),
  models: [],
  out: join(dir, 'out'),
  cache: false,
  reports: false,
  sleep: async () => undefined,
  random: () => 0.5,
  ...over,
});

describe('runEval', () => {
  it('ends every (model, case) once as pass, fail or error, with a reason', async () => {
    const good = fakeModel('good', (r) => CAPITALS[lastText(r)] ?? '?');
    const bad = fakeModel('bad', (r) => (lastText(r) === 'Italy' ? new Error('boom') : 'Lyon'));
    const events: EvalEvent[] = [];
    const run = await runEval(
      base({ models: [good, bad], baseline: 'good', concurrency: 3, onEvent: (e) => events.push(e) }),
    );
    const written = await lines(join(dir, 'out'));
    expect(written).toHaveLength(8);
    expect(new Set(written.map((r) => `${r.model}/${r.id}`)).size).toBe(8);
    expect(written.every((r) => r.reason.length > 0)).toBe(true);
    const byModel = Object.fromEntries(run.summary.models.map((m) => [m.model, m]));
    expect(byModel.good).toMatchObject({ n: 4, passed: 4, failed: 0, errored: 0 });
    expect(byModel.bad).toMatchObject({ n: 4, passed: 0, failed: 3, errored: 1 });
    expect(written.find((r) => r.model === 'bad' && r.id === 'it')).toMatchObject({
      status: 'error',
      reason: 'model error: boom',
    });
    expect(byModel.bad?.vsBaseline).toMatchObject({ n: 4, b: 0, c: 4, delta: -1 });
    expect(run.counts).toMatchObject({ planned: 8, written: 8, errors: 1 });
    expect(events[0]).toMatchObject({ type: 'start', total: 8, cases: 4 });
    expect(events.filter((e) => e.type === 'case')).toHaveLength(8);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'complete' });
  });

  it('retries a rate limit after the Retry-After the server gave, through the retry policy', async () => {
    const model = fakeModel('m', (r, call) =>
      call <= 2 ? rateLimited(1500) : (CAPITALS[lastText(r)] as string),
    );
    const slept: number[] = [];
    const events: EvalEvent[] = [];
    const run = await runEval(
      base({
        suite: suite({ cases: [{ id: 'fr', input: 'France', expected: 'Paris' }] }),
        models: [model],
        sleep: async (ms) => {
          slept.push(ms);
        },
        onEvent: (e) => events.push(e),
      }),
    );
    expect(slept).toEqual([1500, 1500]);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([
      1, 2,
    ]);
    const [line] = await lines(join(dir, 'out'));
    expect(line).toMatchObject({ status: 'pass', attempts: 3 });
    expect(run.summary.models[0]?.passed).toBe(1);
  });

  it('gives up after the retry budget with the error as the reason', async () => {
    const model = fakeModel('m', () => rateLimited(10));
    await runEval(
      base({
        suite: suite({ cases: [{ id: 'fr', input: 'France', expected: 'Paris' }] }),
        models: [model],
        retry: { retries: 2 },
      }),
    );
    const [line] = await lines(join(dir, 'out'));
    expect(model.calls).toHaveLength(3);
    expect(line).toMatchObject({ status: 'error', errorCode: 'RATE_LIMIT', attempts: 3 });
    expect(line?.reason).toMatch(/^RATE_LIMIT: Too many requests\. \(after 3 attempts\)$/);
  });

  it('ends a case that takes too long as a TIMEOUT error, through its AbortSignal', async () => {
    let aborted = false;
    const model = fakeModel('slow', (r) =>
      lastText(r) === 'France' ? new Promise<string>(() => undefined) : (CAPITALS[lastText(r)] as string),
    );
    const hang = model.generate.bind(model);
    model.generate = (request, signal) =>
      lastText(request) === 'France'
        ? new Promise((_, reject) =>
            signal?.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            }),
          )
        : hang(request, signal);
    const run = await runEval(base({ models: [model], timeoutMs: 30 }));
    expect(aborted).toBe(true);
    const written = await lines(join(dir, 'out'));
    expect(written.find((r) => r.id === 'fr')).toMatchObject({ status: 'error', errorCode: 'TIMEOUT' });
    expect(written.find((r) => r.id === 'fr')?.reason).toContain('longer than 30 ms');
    expect(run.summary.models[0]).toMatchObject({ n: 4, passed: 3, errored: 1 });
  });

  it('resumes: re-runs only cases without a line, and counts the old ones once', async () => {
    const out = join(dir, 'out');
    await mkdir(out, { recursive: true });
    const kept: CaseResult = {
      model: 'm',
      id: 'fr',
      repeat: 0,
      category: 'held-out',
      status: 'pass',
      reason: 'ok',
      input: 'France',
      output: 'Paris',
      finishedAt: '',
    };
    // One finished line, then a line torn by a crash.
    await writeFile(join(out, 'results.jsonl'), `${JSON.stringify(kept)}\n{"model":"m","id":"de","rep`);
    const model = fakeModel('m', (r) => CAPITALS[lastText(r)] as string);
    const events: EvalEvent[] = [];
    const run = await runEval(base({ models: [model], resume: true, onEvent: (e) => events.push(e) }));
    expect(model.calls.map(lastText).sort()).toEqual(['Germany', 'Italy', 'Spain']);
    expect(events[0]).toMatchObject({ type: 'start', total: 3, resumed: 1 });
    const written = await lines(out);
    expect(written.map((r) => r.id).sort()).toEqual(['de', 'es', 'fr', 'it']);
    expect(run.summary.models[0]).toMatchObject({ n: 4, passed: 4 });
    // A second resume has nothing left to do.
    const again = fakeModel('m', () => 'x');
    await runEval(base({ models: [again], resume: true }));
    expect(again.calls).toHaveLength(0);
    expect(await lines(out)).toHaveLength(4);
  });

  it('resumes after a cancelled run without asking again for finished cases', async () => {
    const controller = new AbortController();
    const first = fakeModel('m', (r, call) => {
      if (call === 2) controller.abort();
      return CAPITALS[lastText(r)] as string;
    });
    const cancelled = await runEval(base({ models: [first], concurrency: 1, signal: controller.signal }));
    expect(cancelled.status).toBe('cancelled');
    const done = (await lines(join(dir, 'out'))).map((r) => r.input);
    const second = fakeModel('m', (r) => CAPITALS[lastText(r)] as string);
    const resumed = await runEval(base({ models: [second], resume: true }));
    expect(second.calls.map(lastText).filter((t) => done.includes(t))).toEqual([]);
    expect(resumed.status).toBe('complete');
    expect(await lines(join(dir, 'out'))).toHaveLength(4);
  });

  it('caches successes on disk, never errors, and never secrets', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-cache-secret-0123456789';
    const cacheDir = join(dir, 'cache');
    const first = fakeModel('m', (r) =>
      lastText(r) === 'Italy'
        ? new PolytuneError('PROVIDER', 'upstream 500', { isRetryable: false })
        : `${CAPITALS[lastText(r)]} sk-test-cache-secret-0123456789`,
    );
    await runEval(base({ models: [first], cache: cacheDir }));
    expect(first.calls).toHaveLength(4);
    const second = fakeModel('m', (r) => CAPITALS[lastText(r)] as string);
    await runEval(base({ models: [second], cache: cacheDir, out: join(dir, 'out2') }));
    expect(second.calls.map(lastText)).toEqual(['Italy']);
    const cached = (await lines(join(dir, 'out2'))).filter((r) => r.cached);
    expect(cached).toHaveLength(3);
    // Append-only segments, one per run that added entries: 3 from the first run, Italy from the second.
    const files: string[] = [];
    for (const name of await readdir(cacheDir)) files.push(await readFile(join(cacheDir, name), 'utf8'));
    expect(files).toHaveLength(2);
    expect(files.join('').split('\n').filter(Boolean)).toHaveLength(4);
    expect(files.join('\n')).not.toContain('sk-test-cache-secret');
    expect(await readFile(join(dir, 'out', 'results.jsonl'), 'utf8')).not.toContain('sk-test-cache-secret');
    // --no-cache: every case asks the model again.
    const third = fakeModel('m', (r) => CAPITALS[lastText(r)] as string);
    await runEval(base({ models: [third], cache: false, out: join(dir, 'out3') }));
    expect(third.calls).toHaveLength(4);
  });

  it('runs repeats as distinct requests and reports consistency', async () => {
    const model = fakeModel('m', (r) =>
      lastText(r) === 'Spain' && r.seed === 1 ? 'Barcelona' : (CAPITALS[lastText(r)] as string),
    );
    const run = await runEval(base({ models: [model], repeats: 2 }));
    expect(await lines(join(dir, 'out'))).toHaveLength(8);
    expect(run.summary.models[0]).toMatchObject({
      n: 8,
      passed: 7,
      consistency: { cases: 4, consistent: 3, rate: 0.75 },
    });
  });

  it('sends the suite system message and generation parameters', async () => {
    const model = fakeModel('m', () => 'Paris');
    await runEval(
      base({
        suite: suite({
          system: 'Answer with the capital.',
          generation: { temperature: 0.2, maxTokens: 5 },
          cases: [{ id: 'fr', input: 'France', expected: 'Paris' }],
        }),
        models: [model],
      }),
    );
    expect(model.calls[0]).toEqual({
      input: [
        { role: 'system', content: 'Answer with the capital.' },
        { role: 'user', content: 'France' },
      ],
      temperature: 0.2,
      maxTokens: 5,
    });
  });

  it('ends a case with nothing to grade as an error without calling the model', async () => {
    const model = fakeModel('m', () => 'x');
    await runEval(base({ suite: suite({ cases: [{ id: 'q', input: 'open question' }] }), models: [model] }));
    expect(model.calls).toHaveLength(0);
    const [line] = await lines(join(dir, 'out'));
    expect(line).toMatchObject({ status: 'error', errorCode: 'INVALID_INPUT' });
    expect(line?.reason).toMatch(/no grader/);
  });

  it('computes cost from the model price', async () => {
    const model = fakeModel('m', () => 'Paris', {
      price: { inputPer1M: 1_000, outputPer1M: 2_000, source: 'test', date: '2026-01-01' },
    });
    const run = await runEval(
      base({ suite: suite({ cases: [{ id: 'fr', input: 'France', expected: 'Paris' }] }), models: [model] }),
    );
    // 'France' → 2 input tokens, 'Paris' → 2 output tokens: (2·1000 + 2·2000) / 1e6.
    expect(run.summary.models[0]?.cost.total).toBeCloseTo(0.006, 10);
  });
});

describe('held-out source', () => {
  afterEach(() => undefined);
  it('reads only the test split of a prepared folder', async () => {
    const prepared = join(dir, 'prepared');
    await mkdir(prepared, { recursive: true });
    const ex = (id: string, text: string, label: string) =>
      JSON.stringify({ id, kind: 'classification', text, label });
    await writeFile(
      join(prepared, 'test.jsonl'),
      `${ex('t1', 'where is my card', 'card_arrival')}\n${ex('t2', 'card stolen', 'lost_card')}\n`,
    );
    await writeFile(join(prepared, 'train.jsonl'), `${ex('r1', 'TRAINING ONLY', 'card_arrival')}\n`);
    await writeFile(join(prepared, 'validation.jsonl'), '');
    const split = (file: string, count: number) => ({ file, count, sha256: 'x' });
    await writeFile(
      join(prepared, 'manifest.json'),
      JSON.stringify({
        version: 1,
        createdBy: 'test',
        kind: 'classification',
        seed: 1,
        split: [0.8, 0.1, 0.1],
        source: { file: 'raw.csv', sha256: 'x' },
        counts: { read: 3, kept: 3, dropped: 0 },
        splits: {
          train: split('train.jsonl', 1),
          validation: split('validation.jsonl', 0),
          test: split('test.jsonl', 2),
        },
        compiled: {},
        dropped: [],
        stats: {},
        labels: ['card_arrival', 'lost_card'],
      }),
    );
    const model = fakeModel('m', (r) => (lastText(r).includes('stolen') ? 'Lost card.' : 'card_arrival'));
    const run = await runEval(
      base({
        suite: parseSuite(
          { name: 'banking', sources: [{ heldout: 'prepared' }, { generate: ['upper-case'] }] },
          dir,
        ),
        models: [model],
      }),
    );
    expect(model.calls.map(lastText)).not.toContain('TRAINING ONLY');
    const written = await lines(join(dir, 'out'));
    expect(written.map((r) => r.id).sort()).toEqual(['t1', 't1~upper-case', 't2', 't2~upper-case']);
    expect(written.find((r) => r.id === 't2')).toMatchObject({
      expected: 'lost_card',
      status: 'pass',
      category: 'held-out',
    });
    expect(run.summary.models[0]?.categories.edge).toMatchObject({ n: 2 });
  });
});
