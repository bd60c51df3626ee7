import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEval } from '../../evals/runner.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { main } from '../../src/cli/main.js';
import { appendStepSummary, workflowCommandText } from '../../src/cli/step-summary.js';
import { fakeModel, lastText } from '../evals/fake-model.js';

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-github-'));
  out = join(dir, 'eval');
  const suite = parseSuite(
    {
      name: 'gh',
      cases: [
        { id: 'a', input: 'a', expected: 'A' },
        { id: 'b', input: 'b', expected: 'B' },
      ],
    },
    dir,
  );
  await runEval({
    suite,
    models: [fakeModel('openai:gpt-4o-mini', (r) => (lastText(r) === 'a' ? 'A' : 'nope'))],
    out,
    cache: false,
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function gate(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await main(['gate', join(out, 'results.json'), ...args]);
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  vi.restoreAllMocks();
  return { code, stdout };
}

describe('GitHub Actions output', () => {
  it('a failed gate check becomes an ::error:: annotation and its verdict goes to the step summary', async () => {
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    vi.stubEnv('GITHUB_ACTIONS', 'true');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summary);
    const { code, stdout } = await gate(['--threshold', 'passRate >= 0.9', '--threshold', 'errored <= 0']);
    expect(code).toBe(1);
    const annotations = stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toEqual([
      expect.stringMatching(/^::error title=polytune gate::openai:gpt-4o-mini: passRate >= 0\.9 failed \(/),
    ]);
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true); // appended, not replaced
    expect(text).toContain('**Gate FAILED** (1 of 2 checks failed)');
    expect(text).toContain('❌ **passRate &gt;= 0.9** openai:gpt-4o-mini');
  });

  it('outside GitHub Actions there are no annotations and no summary file is written', async () => {
    vi.stubEnv('GITHUB_ACTIONS', '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', '');
    const { code, stdout } = await gate(['--threshold', 'passRate >= 0.9']);
    expect(code).toBe(1);
    expect(stdout).not.toContain('::error');
    expect(stdout).toContain('gate FAILED');
  });

  it("eval's summary.md is appended whole; workflow command text escapes what GitHub would parse", async () => {
    const summary = join(dir, 'step-summary-2.md');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summary);
    await appendStepSummary(join(out, 'summary.md'));
    expect(await readFile(summary, 'utf8')).toBe(
      `${(await readFile(join(out, 'summary.md'), 'utf8')).trimEnd()}\n\n`,
    );
    expect(workflowCommandText('50% of\r\nlines')).toBe('50%25 of%0D%0Alines');
  });
});
