import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../evals/case-result.js';
import type { EvalEvent } from '../../evals/eval-events.js';
import { type EvalRunResult, runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createOpenAIProvider } from '../../providers/openai/openai-provider.js';
import { type Fault, type FaultServer, startFaultServer } from '../helpers/fault-server.js';

/**
 * The eval runner against a fault-injecting OpenAI-compatible server, reached
 * the way a user reaches it: the OpenAI provider's Model handle with a baseURL.
 * Retry waits go through an injected sleep that records the delay and returns
 * at once, so Retry-After is checked by value and ordering, never by time.
 */

const CASES = 12;
const RETRIES = 3;

let dir: string;
let server: FaultServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-faults-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const prompt = (i: number) => `case-${i}`;
const answer = (i: number) => `ANSWER-${i}`;

function suite() {
  return parseSuite(
    {
      name: 'faults',
      cases: Array.from({ length: CASES }, (_, i) => ({
        id: `c${i}`,
        input: prompt(i),
        expected: answer(i),
      })),
    },
    dir,
  );
}

/** Answers correctly except case 1, which gets a wrong answer (a `fail`). */
const good = (p: string): Fault => {
  const i = Number(p.slice('case-'.length));
  return { kind: 'ok', content: i === 1 ? 'wrong' : answer(i) };
};

interface Run {
  run: EvalRunResult;
  results: CaseResult[];
  events: EvalEvent[];
  sleeps: number[];
  timeline: string[];
}

/**
 * Runs the suite with `fault(prompt, attempt)` deciding each request (attempt
 * is 1-based per prompt); `undefined` means a good answer.
 */
async function runAgainst(
  fault: (p: string, attempt: number) => Fault | undefined,
  options: { concurrency?: number; requestTimeoutMs?: number; timeoutMs?: number } = {},
): Promise<Run> {
  const timeline: string[] = [];
  server = await startFaultServer({
    decide: ({ prompt: p }) => {
      const attempt = server?.requestsByPrompt.get(p) ?? 1;
      const chosen = fault(p, attempt) ?? good(p);
      timeline.push(`request ${p} ${chosen.kind}`);
      return chosen;
    },
    maxRequests: 500,
    lifetimeMs: 30_000,
  });
  const provider = createOpenAIProvider({
    apiKey: 'sk-fault-test-not-a-real-key-000',
    baseURL: server.url,
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
  });
  const model = await provider.model('gpt-4o-mini');
  const events: EvalEvent[] = [];
  const sleeps: number[] = [];
  const run = await runEval({
    suite: suite(),
    models: [model],
    out: join(dir, 'out'),
    cache: false,
    concurrency: options.concurrency ?? 4,
    timeoutMs: options.timeoutMs ?? 10_000,
    retry: { retries: RETRIES, baseDelayMs: 7, maxDelayMs: 5_000 },
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      timeline.push(`sleep ${ms}`);
    },
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'retry') timeline.push(`retry ${event.id} ${event.delayMs}`);
    },
  });
  const text = await readFile(join(dir, 'out', 'results.jsonl'), 'utf8');
  const results = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CaseResult);
  return { run, results, events, sleeps, timeline };
}

/** Every case has exactly one result line and the summary counts add up to it. */
async function expectAccounted({ run, results }: Run) {
  const ids = results.map((r) => r.id).sort();
  expect(ids).toEqual(Array.from({ length: CASES }, (_, i) => `c${i}`).sort());
  for (const r of results) {
    expect(['pass', 'fail', 'error']).toContain(r.status);
    expect(r.reason.length).toBeGreaterThan(0);
  }
  expect(run.status).toBe('complete');
  expect(run.counts.written).toBe(CASES);
  expect(run.counts.planned).toBe(CASES);
  const [m] = run.summary.models;
  expect(m?.n).toBe(CASES);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  expect(m?.passed).toBe(count('pass'));
  expect(m?.failed).toBe(count('fail'));
  expect(m?.errored).toBe(count('error'));
  expect((m?.passed ?? 0) + (m?.failed ?? 0) + (m?.errored ?? 0)).toBe(CASES);
  expect(run.counts.errors).toBe(count('error'));
  // The report on disk says the same.
  const json = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8')) as {
    summary: { models: { n: number; passed: number; failed: number; errored: number }[] };
  };
  expect(json.summary.models[0]).toMatchObject({
    n: CASES,
    passed: m?.passed,
    failed: m?.failed,
    errored: m?.errored,
  });
}

const byId = (r: Run, id: string) => r.results.find((x) => x.id === id) as CaseResult;

/** Requests for each prompt never exceed the retry budget. */
function expectBounded() {
  for (const [p, n] of server?.requestsByPrompt ?? []) {
    expect(n, `requests for ${p}`).toBeLessThanOrEqual(RETRIES + 1);
  }
}

describe('eval runner against a faulty OpenAI-compatible server', () => {
  it('429 bursts: waits exactly the Retry-After before each retry, then succeeds or gives up', async () => {
    // case-2: two 429s (Retry-After 1 s, then 2 s), then an answer. case-3: 429 for ever.
    const r = await runAgainst(
      (p, attempt) => {
        if (p === 'case-2' && attempt <= 2)
          return { kind: 'status', status: 429, retryAfterSeconds: attempt };
        if (p === 'case-3') return { kind: 'status', status: 429, retryAfterSeconds: 1 };
        return undefined;
      },
      { concurrency: 1 },
    );
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c2')).toMatchObject({ status: 'pass', attempts: 3 });
    expect(byId(r, 'c3')).toMatchObject({ status: 'error', errorCode: 'RATE_LIMIT', attempts: RETRIES + 1 });
    expect(byId(r, 'c3').reason).toMatch(/rate limit.*after 4 attempts/i);
    expect(byId(r, 'c1')).toMatchObject({ status: 'fail' });
    expect(server?.requestsByPrompt.get('case-2')).toBe(3);
    expect(server?.requestsByPrompt.get('case-3')).toBe(RETRIES + 1);
    // Ordering: a 429, then the retry announced with the server's delay, then the wait, then the next request.
    const c2 = r.timeline.filter((t) => t.includes('case-2') || t.includes('c2 ') || t.startsWith('sleep'));
    const from = c2.indexOf('request case-2 status');
    expect(c2.slice(from, from + 7)).toEqual([
      'request case-2 status',
      'retry c2 1000',
      'sleep 1000',
      'request case-2 status',
      'retry c2 2000',
      'sleep 2000',
      'request case-2 ok',
    ]);
    // Every wait was a Retry-After, never the (7 ms) backoff.
    expect(r.sleeps.every((ms) => ms === 1000 || ms === 2000)).toBe(true);
  });

  it('500 and 503: retried with backoff, bounded, and the status is the reason when they persist', async () => {
    const r = await runAgainst((p, attempt) => {
      if (p === 'case-4' && attempt === 1) return { kind: 'status', status: 500 };
      if (p === 'case-5' && attempt <= 2) return { kind: 'status', status: 503, retryAfterSeconds: 0 };
      if (p === 'case-6') return { kind: 'status', status: 503 };
      if (p === 'case-7') return { kind: 'status', status: 500 };
      return undefined;
    });
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c4')).toMatchObject({ status: 'pass', attempts: 2 });
    expect(byId(r, 'c5')).toMatchObject({ status: 'pass', attempts: 3 });
    expect(byId(r, 'c6')).toMatchObject({ status: 'error', errorCode: 'PROVIDER', attempts: RETRIES + 1 });
    expect(byId(r, 'c6').reason).toMatch(/\(503\).*after 4 attempts/);
    expect(byId(r, 'c7').reason).toMatch(/\(500\).*after 4 attempts/);
    expect(r.results.filter((x) => x.status === 'pass')).toHaveLength(CASES - 3);
  });

  it('connections reset mid-response: retried; a case that always resets ends as an error', async () => {
    const r = await runAgainst((p, attempt) => {
      if (p === 'case-8' && attempt === 1) return { kind: 'reset' };
      if (p === 'case-9') return { kind: 'reset' };
      return undefined;
    });
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c8')).toMatchObject({ status: 'pass', attempts: 2 });
    expect(byId(r, 'c9')).toMatchObject({ status: 'error', attempts: RETRIES + 1 });
    expect(byId(r, 'c9')).toMatchObject({ errorCode: 'PROVIDER' });
    expect(byId(r, 'c9').reason).toMatch(/broke off mid-response.*after 4 attempts/);
  });

  it('responses that hang: the request times out, is retried, and a case that always hangs ends as TIMEOUT', async () => {
    const r = await runAgainst(
      (p, attempt) => {
        if (p === 'case-10' && attempt === 1) return { kind: 'hang' };
        if (p === 'case-11') return { kind: 'hang' };
        return undefined;
      },
      { requestTimeoutMs: 150, timeoutMs: 10_000 },
    );
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c10')).toMatchObject({ status: 'pass', attempts: 2 });
    expect(byId(r, 'c11')).toMatchObject({ status: 'error', errorCode: 'TIMEOUT' });
    expect(byId(r, 'c11').reason).toMatch(/did not answer in time/);
  });

  it("the case timeout ends a hung case as TIMEOUT even when the client's own timeout is longer", async () => {
    const r = await runAgainst((p) => (p === 'case-0' ? { kind: 'hang' } : undefined), {
      requestTimeoutMs: 60_000,
      timeoutMs: 300,
    });
    await expectAccounted(r);
    expect(byId(r, 'c0')).toMatchObject({ status: 'error', errorCode: 'TIMEOUT' });
    expect(byId(r, 'c0').reason).toMatch(/longer than 300 ms/);
    expect(server?.requestsByPrompt.get('case-0')).toBe(1);
  });

  it('malformed JSON bodies: an error with a reason, never a crash or a silent pass', async () => {
    const r = await runAgainst((p, attempt) => {
      if (p === 'case-2' && attempt === 1) return { kind: 'malformed-json' };
      if (p === 'case-3') return { kind: 'malformed-json' };
      return undefined;
    });
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c3')).toMatchObject({ status: 'error', errorCode: 'PROVIDER', attempts: RETRIES + 1 });
    expect(byId(r, 'c3').reason).toMatch(/not valid JSON.*after 4 attempts/);
    expect(byId(r, 'c3').output).toBeUndefined();
    expect(byId(r, 'c2')).toMatchObject({ status: 'pass', attempts: 2 });
  });

  it('truncated streams: the cut-off body is not graded as an answer', async () => {
    const r = await runAgainst((p, attempt) => {
      if (p === 'case-4' && attempt === 1) return { kind: 'truncated-stream', content: answer(4) };
      if (p === 'case-5') return { kind: 'truncated-stream', content: answer(5) };
      return undefined;
    });
    await expectAccounted(r);
    expectBounded();
    expect(byId(r, 'c4')).toMatchObject({ status: 'pass', attempts: 2 });
    expect(byId(r, 'c5')).toMatchObject({ status: 'error', errorCode: 'PROVIDER', attempts: RETRIES + 1 });
    expect(byId(r, 'c5').reason).toMatch(/broke off mid-response/);
    expect(byId(r, 'c5').output).toBeUndefined();
  });

  it('all faults at once across a larger run: one line per case, counts add up', async () => {
    const kinds: (Fault | undefined)[] = [
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'malformed-json' },
      { kind: 'truncated-stream', content: 'x' },
      undefined,
    ];
    const r = await runAgainst(
      (p, attempt) => {
        const i = Number(p.slice(5));
        return attempt <= (i % 3) + 1 ? kinds[i % kinds.length] : undefined;
      },
      { concurrency: 6 },
    );
    await expectAccounted(r);
    expectBounded();
    const total = [...(server?.requestsByPrompt.values() ?? [])].reduce((a, b) => a + b, 0);
    const attempts = r.results.reduce((a, x) => a + (x.attempts ?? 0), 0);
    expect(attempts).toBe(total);
  });
});
