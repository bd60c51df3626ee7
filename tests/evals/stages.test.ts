import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../evals/case-result.js';
import { JUDGE_PROMPT_HASH } from '../../evals/graders/llm-judge.js';
import { reportRun } from '../../evals/report-run.js';
import { type RunEvalOptions, runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { fakeModel, lastText } from './fake-model.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-stages-'));
});

const CAPITALS: Record<string, string> = { France: 'Paris', Germany: 'Berlin', Italy: 'Rome' };
const suite = (judged: boolean) =>
  parseSuite(
    {
      name: 'capitals',
      cases: Object.entries(CAPITALS).map(([country, capital]) => ({
        id: country,
        input: country,
        expected: capital,
        ...(judged ? { graders: [{ type: 'llm-judge', rubric: 'names the capital' }] } : {}),
      })),
    },
    dir,
  );
const base = (over: Partial<RunEvalOptions>): RunEvalOptions => ({
  suite: suite(false),
  models: [],
  out: join(dir, 'out'),
  cache: false,
  reports: false,
  sleep: async () => undefined,
  random: () => 0.5,
  ...over,
});
const readLines = async (out: string) =>
  (await readFile(join(out, 'results.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CaseResult);

describe('judge accounting', () => {
  it('counts judge tokens and cost per model under test and in total, with the judge id and prompt hash', async () => {
    const a = fakeModel('a', (r) => CAPITALS[lastText(r)] ?? '?');
    const b = fakeModel('b', () => 'no idea');
    // $1 per 1M input tokens, $2 per 1M output tokens.
    const judge = fakeModel(
      'judge-1',
      (r) =>
        typeof r.input === 'string' && /model's answer:\n<<<\n(Paris|Berlin|Rome)/.test(r.input)
          ? 'PASS ok'
          : 'FAIL no',
      { price: { inputPer1M: 1, outputPer1M: 2, source: 'test figure', date: '2026-12-06' } },
    );
    const run = await runEval(base({ suite: suite(true), models: [a, b], judge }));
    const [ma, mb] = run.summary.models;
    expect(ma?.passed).toBe(3);
    expect(mb?.passed).toBe(0);
    const lines = await readLines(join(dir, 'out'));
    const judged = (model: string) => {
      const mine = lines.filter((l) => l.model === model);
      const input = mine.reduce((n, l) => n + (l.judge?.tokens.input ?? 0), 0);
      const output = mine.reduce((n, l) => n + (l.judge?.tokens.output ?? 0), 0);
      return { calls: mine.length, input, output, cost: (input * 1 + output * 2) / 1e6 };
    };
    for (const [m, id] of [
      [ma, 'a'],
      [mb, 'b'],
    ] as const) {
      const want = judged(id);
      expect(want.input).toBeGreaterThan(0);
      expect(m?.judge).toMatchObject({
        calls: 3,
        tokens: { input: want.input, output: want.output },
        priced: true,
      });
      expect(m?.judge?.cost).toBeCloseTo(want.cost, 12);
    }
    // The judge's spend is its own: not in the models' inference cost (they have no price).
    expect(ma?.cost.priced).toBe(false);
    expect(judge.calls).toHaveLength(6);
    expect(run.summary.judge).toMatchObject({ models: ['judge-1'], promptHash: JUDGE_PROMPT_HASH, calls: 6 });
    expect(run.summary.judge?.cost).toBeCloseTo(judged('a').cost + judged('b').cost, 12);
    expect(lines[0]?.judge?.models).toEqual(['judge-1']);
  });

  it('records the judge model and prompt hash in results.json', async () => {
    const a = fakeModel('a', (r) => CAPITALS[lastText(r)] ?? '?');
    const judge = fakeModel('judge-1', () => 'PASS fine');
    await runEval(base({ suite: suite(true), models: [a], judge, reports: true }));
    const results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
    expect(results.summary.judge).toMatchObject({
      models: ['judge-1'],
      promptHash: JUDGE_PROMPT_HASH,
      calls: 3,
    });
    expect(JUDGE_PROMPT_HASH).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves judge fields out when no judge was called', async () => {
    const run = await runEval(base({ models: [fakeModel('a', (r) => CAPITALS[lastText(r)] ?? '?')] }));
    expect(run.summary.judge).toBeUndefined();
    expect(run.summary.models[0]?.judge).toBeUndefined();
  });
});

describe('stages', () => {
  it('lets another executor serve a model (one line per planned case) and grades what it returns', async () => {
    const online = fakeModel('online', (r) => CAPITALS[lastText(r)] ?? '?');
    const seen: string[] = [];
    const run = await runEval(
      base({
        models: [online],
        repeats: 2,
        executeModel: async (execution) => {
          for await (const { testCase, repeat } of execution.cases) {
            seen.push(`${testCase.id}#${repeat}`);
            // Pretend a batch answered every case but Italy; Italy is run online instead.
            const result =
              testCase.id === 'Italy'
                ? await execution.runOnline(testCase, repeat)
                : await execution.grade(testCase, repeat, {
                    text: CAPITALS[testCase.id] as string,
                    latencyMs: 0,
                  });
            await execution.record(result);
          }
        },
      }),
    );
    expect(seen).toHaveLength(6);
    expect(run.status).toBe('complete');
    expect(run.counts).toMatchObject({ planned: 6, written: 6 });
    expect(run.summary.models[0]?.passed).toBe(6);
    expect(online.calls).toHaveLength(2);
  });

  it('a run whose executor skips cases is cancelled, not complete', async () => {
    const run = await runEval(
      base({ models: [fakeModel('m', () => 'x')], executeModel: async () => undefined }),
    );
    expect(run.status).toBe('cancelled');
    expect(run.counts.written).toBe(0);
  });

  it('runs the report stage alone from results.jsonl, with the same summary', async () => {
    const out = join(dir, 'out');
    const run = await runEval(
      base({
        models: [fakeModel('m', (r) => (lastText(r) === 'Italy' ? 'Milan' : (CAPITALS[lastText(r)] ?? '')))],
      }),
    );
    const files = await reportRun({ suite: suite(false), out, models: ['m'], status: run.status });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'results.json',
      'summary.md',
      'junit.xml',
      'report.html',
    ]);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.summary.models[0]).toMatchObject({ passed: 2, failed: 1, n: 3 });
    expect(results.summary.models[0].interval).toEqual(run.summary.models[0]?.interval);
  });
});
