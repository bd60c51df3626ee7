import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../evals/case-result.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { spawnCli, until } from './cli-child.js';

/**
 * `polytune eval` killed with SIGKILL part-way (requests in flight, a result
 * line torn) and restarted with `--resume`: it completes, every case has one
 * line, and cases that had finished are never requested again.
 */

const CASES = 20;
const FIRST = 6; // answered in the first run; the rest hang until the kill

let dir: string;
let server: FaultServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-kill-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string): Promise<CaseResult[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as CaseResult];
      } catch {
        return [];
      }
    });
}

describe('eval killed with SIGKILL and resumed', () => {
  it('completes on --resume without asking again for finished cases', async () => {
    let phase = 1;
    server = await startFaultServer({
      decide: ({ prompt }) => {
        const i = Number(prompt.slice('case-'.length));
        if (phase === 1 && i >= FIRST) return { kind: 'hang' };
        return { kind: 'ok', content: `ANSWER-${i}` };
      },
      lifetimeMs: 60_000,
    });
    const suiteFile = join(dir, 'suite.yaml');
    await writeFile(
      suiteFile,
      `name: kill\ncases:\n${Array.from({ length: CASES }, (_, i) => `  - { id: c${i}, input: case-${i}, expected: ANSWER-${i} }`).join('\n')}\n`,
    );
    const out = join(dir, 'out');
    const results = join(out, 'results.jsonl');
    const env = { OPENAI_API_KEY: 'sk-kill-test-not-a-real-key-0000', OPENAI_BASE_URL: server.url };
    const args = [
      'eval',
      '--suite',
      suiteFile,
      '--model',
      'openai:gpt-4o-mini',
      '--out',
      out,
      '--no-cache',
      '--concurrency',
      '3',
    ];

    const first = spawnCli(args, env);
    await until(
      async () => (await lines(results)).length >= FIRST && (server?.totalRequests() ?? 0) >= FIRST + 3,
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');
    const before = await lines(results);
    expect(before.map((r) => r.id).sort()).toEqual(Array.from({ length: FIRST }, (_, i) => `c${i}`).sort());
    // A crash mid-write leaves a torn last line; resume must cut it and run that case again.
    await appendFile(results, '{"model":"openai:gpt-4o-mini","id":"c7","repeat":0,"sta');
    const hungBefore = new Map(server.requestsByPrompt);

    phase = 2;
    const second = spawnCli([...args, '--resume'], env);
    const code = await second.exit;
    expect(second.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    expect(code, second.stderr()).toBe(0);

    const after = await lines(results);
    const ids = after.map((r) => r.id);
    expect(ids).toHaveLength(CASES);
    expect(new Set(ids).size).toBe(CASES);
    expect(after.every((r) => r.status === 'pass')).toBe(true);
    for (let i = 0; i < CASES; i++) {
      const n = server.requestsByPrompt.get(`case-${i}`) ?? 0;
      // Finished before the kill: asked once, never again. In flight at the kill: asked once more.
      const expected = i < FIRST ? 1 : (hungBefore.get(`case-${i}`) ?? 0) + 1;
      expect(n, `requests for case-${i}`).toBe(expected);
    }
    const summary = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      status: string;
      summary: { models: { n: number; passed: number }[] };
    };
    expect(summary.status).toBe('complete');
    expect(summary.summary.models[0]).toMatchObject({ n: CASES, passed: CASES });
    expect(second.stdout() + second.stderr()).toContain(`${FIRST} results kept from before`);
  });
});
