import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { progressRenderer } from '../../src/cli/commands/eval.js';
import { main } from '../../src/cli/main.js';
import { resolveModelRef } from '../../src/cli/model-ref.js';
import { PolytuneError } from '../../src/errors.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import type { Provider } from '../../src/provider.js';
import { fakeModel, lastText } from './fake-model.js';

let dir: string;
let results: string;
const stdout: string[] = [];
const stderr: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-cli-'));
  const suite = parseSuite(
    {
      name: 'cli',
      thresholds: ['passRate >= 0.5', 'categories.adversarial.passRate >= 0.5'],
      cases: [
        { id: 'a', input: 'a', expected: 'A' },
        { id: 'b', input: 'b', expected: 'B' },
        { id: 'c', category: 'adversarial', input: 'c', expected: 'C' },
      ],
    },
    dir,
  );
  await runEval({
    suite,
    models: [fakeModel('m', (r) => (lastText(r) === 'c' ? 'no' : lastText(r).toUpperCase()))],
    out: join(dir, 'out'),
    cache: false,
  });
  results = join(dir, 'out', 'results.json');
});

function capture() {
  stdout.length = 0;
  stderr.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
}
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('polytune gate', () => {
  it('exits 0 when every threshold holds and prints measured value and interval', async () => {
    capture();
    const code = await main(['gate', results, '--threshold', 'passRate >= 0.6']);
    expect(code).toBe(0);
    expect(stdout.join('')).toMatch(/^PASS {2}passRate >= 0\.6 {2}0\.6667 \[0\.2077, 0\.9385\] {2}m$/m);
  });

  it("exits 1 when one fails, using the suite's thresholds by default", async () => {
    capture();
    const code = await main(['gate', results]);
    expect(code).toBe(1);
    const text = stdout.join('');
    expect(text).toContain('PASS  passRate >= 0.5');
    expect(text).toContain('FAIL  categories.adversarial.passRate >= 0.5');
    expect(text).toContain('gate FAILED (1 of 2 checks)');
  });

  it('reads a thresholds file and can gate on the lower bound', async () => {
    const file = join(dir, 'thresholds.yaml');
    await writeFile(file, 'thresholds:\n  - passRate >= 0.5\nuseInterval: true\n');
    capture();
    expect(await main(['gate', results, '--thresholds', file])).toBe(1);
    expect(stdout.join('')).toContain('lower bound 0.207');
  });

  it('says which rule it applied; --rule, the thresholds file and the suite choose it', async () => {
    capture();
    expect(await main(['gate', results, '--threshold', 'passRate >= 0.5'])).toBe(0);
    expect(stdout.join('')).toMatch(/^gate rule: point \(measured values\)$/m);
    capture();
    expect(await main(['gate', results, '--threshold', 'passRate >= 0.5', '--rule', 'bound'])).toBe(1);
    expect(stdout.join('')).toMatch(/^gate rule: bound /m);
    const file = join(dir, 'rule.yaml');
    await writeFile(file, 'thresholds:\n  - passRate >= 0.5\nrule: bound\n');
    capture();
    expect(await main(['gate', results, '--thresholds', file])).toBe(1);
    capture();
    expect(await main(['gate', results, '--thresholds', file, '--rule', 'point'])).toBe(0);
    capture();
    expect(await main(['gate', results, '--threshold', 'passRate >= 0.5', '--rule', 'lenient'])).toBe(2);
    expect(stderr.join('')).toContain('point, bound');
    // A suite that sets `gate.rule` records it in results.json; `polytune gate` applies it.
    const out = join(dir, 'bound-out');
    await runEval({
      suite: parseSuite(
        {
          name: 'bound',
          thresholds: ['passRate >= 0.5'],
          gate: { rule: 'bound' },
          cases: [{ input: 'a', expected: 'A' }],
        },
        dir,
      ),
      models: [fakeModel('m', (r) => lastText(r).toUpperCase())],
      out,
      cache: false,
    });
    capture();
    expect(await main(['gate', join(out, 'results.json')])).toBe(1);
    expect(stdout.join('')).toContain('gate rule: bound');
  });

  it('exits 2 on an unreadable threshold', async () => {
    capture();
    expect(await main(['gate', results, '--threshold', 'passRate high'])).toBe(2);
    expect(stderr.join('')).toContain('<metric> <op> <number>');
  });
});

describe('model refs', () => {
  const provider = {
    model: vi.fn(async (target: unknown) => fakeModel(`x:${JSON.stringify(target)}`, () => '')),
  } as unknown as Provider;
  const context = (ledger = new JobLedger({ dir: join(dir, 'ledger') })) => ({
    ledger,
    provider: async (id: string) => {
      if (id !== 'openai') throw new PolytuneError('USAGE', `Unknown provider ${id}`);
      return provider;
    },
  });

  it('resolves <provider>:<rest> through the provider', async () => {
    const model = await resolveModelRef('openai:ft:gpt-4o-mini:acme::abc', context());
    expect(model.id).toBe('x:"ft:gpt-4o-mini:acme::abc"');
  });

  it('lists the valid forms for a bad ref', async () => {
    await expect(resolveModelRef('gpt-4o', context())).rejects.toMatchObject({
      code: 'USAGE',
      hint: expect.stringContaining('job:<ledger id>'),
    });
    await expect(resolveModelRef('azure:thing', context())).rejects.toMatchObject({
      hint: expect.stringContaining('local-onnx:<dir>'),
    });
  });

  it('resolves job:<id> to the finished job model, and refuses an unfinished one', async () => {
    const ledger = new JobLedger({ dir: join(dir, 'ledger') });
    const record = {
      version: 1 as const,
      key: 'k123456789abc',
      provider: 'openai',
      remoteId: 'ftjob-1',
      spec: { provider: 'openai', baseModel: 'gpt-4o-mini', method: 'sft' as const, hyperparameters: {} },
      datasetHashes: {},
      uploads: [],
      history: [{ state: 'running' as const, rawState: 'running', at: '2026-01-01T00:00:00Z' }],
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    };
    await ledger.write(record);
    await expect(resolveModelRef('job:k1234', context(ledger))).rejects.toThrow(/is running/);
    await ledger.write({
      ...record,
      history: [...record.history, { state: 'succeeded', rawState: 'succeeded', at: '2026-01-01T01:00:00Z' }],
    });
    const model = await resolveModelRef('job:ftjob-1', context(ledger));
    expect(model.id).toBe('x:{"provider":"openai","key":"k123456789abc","remoteId":"ftjob-1"}');
  });
});

describe('eval progress', () => {
  it('prints plain lines with rate, ETA and errors when not on a terminal', () => {
    capture();
    let t = 0;
    const render = progressRenderer(false, () => t);
    render({ type: 'start', total: 4, resumed: 0, cases: 4, models: ['m'], out: '/o' });
    const result = {
      model: 'm',
      id: 'x',
      repeat: 0,
      category: 'c',
      status: 'error' as const,
      reason: 'TIMEOUT: slow',
      input: '',
      finishedAt: '',
    };
    for (let done = 1; done <= 4; done++) {
      t += 500;
      render({
        type: 'case',
        result: { ...result, status: done === 2 ? 'error' : 'pass' },
        done,
        total: 4,
        errors: done >= 2 ? 1 : 0,
        cached: 0,
      });
    }
    const lines = stderr.join('').trim().split('\n');
    expect(lines[0]).toBe('eval: 4 cases × 1 model(s) → 4 to run; writing to /o');
    expect(lines).toContain('error: m x: TIMEOUT: slow');
    expect(lines.at(-1)).toBe('4/4 100.0% · 2.0/s · ETA 0s · 1 errors · 0 cached');
    expect(stderr.join('')).not.toContain('\r');
  });
});
