import { appendFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaseDeadlines } from '../../evals/case-deadlines.js';
import { openCaseStream } from '../../evals/case-sources.js';
import { KeySet } from '../../evals/key-set.js';
import { ResultCache } from '../../evals/result-cache.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { isPolytuneError } from '../../src/errors.js';

/** The pieces the runner uses per case at scale: id sets, timeouts, the case count, the disk cache. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-hot-'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('KeySet', () => {
  it('holds 50,000 keys through growth and refuses each a second time', () => {
    const set = new KeySet();
    let added = 0;
    for (let i = 0; i < 50_000; i++) if (set.add(`m\u0000case-${i}\u00000`)) added++;
    expect(added).toBe(50_000);
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(set.add(`m\u0000case-${i}\u00000`)).toBe(false);
    expect(set.has('m\u0000case-49999\u00000')).toBe(true);
    expect(set.has('m\u0000case-50000\u00000')).toBe(false);
    expect(set.has('')).toBe(false);
    expect(set.add('')).toBe(true);
    expect(set.has('')).toBe(true);
  });
});

describe('CaseDeadlines', () => {
  it('aborts a case no sooner than its timeout and no later than one slice after, with TIMEOUT', () => {
    vi.useFakeTimers();
    const deadlines = new CaseDeadlines(1_000, undefined, 50);
    const first = deadlines.start();
    vi.advanceTimersByTime(20);
    const second = deadlines.start();
    vi.advanceTimersByTime(979);
    expect(first.signal.aborted).toBe(false);
    vi.advanceTimersByTime(51);
    expect(first.timedOut()).toBe(true);
    expect(isPolytuneError(first.reason()) && (first.reason() as { code: string }).code).toBe('TIMEOUT');
    // The second started 20 ms later: at least 1,000 ms of its own.
    expect(second.signal.aborted).toBe(first.signal === second.signal);
    vi.advanceTimersByTime(50);
    expect(second.timedOut()).toBe(true);
    first.done();
    second.done();
    deadlines.dispose();
  });

  it('drops a slice and its timer when its last case ends', () => {
    vi.useFakeTimers();
    const deadlines = new CaseDeadlines(10_000);
    const cases = Array.from({ length: 100 }, () => deadlines.start());
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    for (const c of cases) c.done();
    expect(vi.getTimerCount()).toBe(0);
    expect(cases[0]?.signal.aborted).toBe(false);
  });

  it("passes the run's cancel through without calling it a timeout", () => {
    const run = new AbortController();
    const deadlines = new CaseDeadlines(60_000, run.signal);
    const c = deadlines.start();
    run.abort(new Error('stop'));
    expect(c.signal.aborted).toBe(true);
    expect(c.timedOut()).toBe(false);
    c.done();
    deadlines.dispose();
  });
});

describe('case count without parsing', () => {
  it('equals what the stream yields: blank, CRLF, lone CR and Unicode-space-only lines', async () => {
    const rows = [
      JSON.stringify({ id: 'a', input: 'x', expected: 'y' }),
      '',
      '   \t',
      `${JSON.stringify({ id: 'b', input: 'é', expected: 'y' })}\r`,
      '\u00a0\ufeff',
      JSON.stringify({ id: 'c', input: 'z', expected: 'y' }),
    ];
    await writeFile(
      join(dir, 'cases.jsonl'),
      `${rows.join('\n')}\r${JSON.stringify({ id: 'd', input: 'w', expected: 'v' })}`,
    );
    const stream = await openCaseStream(
      parseSuite(
        {
          name: 's',
          cases: [{ id: 'inline', input: 'i', expected: 'o' }],
          sources: [{ file: 'cases.jsonl' }],
        },
        dir,
      ),
    );
    let streamed = 0;
    for await (const _ of stream.cases()) streamed++;
    expect(streamed).toBe(5);
    expect(await stream.count?.()).toBe(5);
  });

  it('is left to the runner (undefined) when cases are generated', async () => {
    await writeFile(join(dir, 'cases.jsonl'), `${JSON.stringify({ id: 'a', input: 'x', expected: 'y' })}\n`);
    const stream = await openCaseStream(
      parseSuite(
        {
          name: 's',
          sources: [
            { file: 'cases.jsonl', category: 'held-out' },
            { generate: ['edge'], from: ['held-out'] },
          ],
        },
        dir,
      ),
    );
    expect(await stream.count?.()).toBeUndefined();
  });
});

describe('ResultCache (append-only segments)', () => {
  const gen = (text: string) => ({ text, latencyMs: 3, usage: { inputTokens: 2, outputTokens: 1 } });
  const key = (n: number) => ResultCache.key('m', { input: `q${n}` });

  it('reads back what earlier runs wrote, one segment per run, and a miss does no harm', async () => {
    const cacheDir = join(dir, 'cache');
    const first = new ResultCache(cacheDir);
    await Promise.all(Array.from({ length: 300 }, (_, i) => first.set(key(i), gen(`a${i}`))));
    expect(await first.get(key(7))).toMatchObject({ text: 'a7' });
    await first.close();
    const second = new ResultCache(cacheDir);
    expect(await second.get(key(299))).toEqual(gen('a299'));
    expect(await second.get(key(300))).toBeUndefined();
    await second.set(key(300), gen('b300'));
    await second.close();
    const third = new ResultCache(cacheDir);
    expect(await third.get(key(0))).toMatchObject({ text: 'a0' });
    expect(await third.get(key(300))).toMatchObject({ text: 'b300' });
    await third.close();
    expect((await readdir(cacheDir)).filter((n) => n.startsWith('seg-'))).toHaveLength(2);
  });

  it('reads a torn last line as a miss and keeps the entries before it', async () => {
    const cacheDir = join(dir, 'cache');
    const cache = new ResultCache(cacheDir);
    await cache.set(key(1), gen('one'));
    await cache.set(key(2), gen('two'));
    await cache.close();
    const [segment] = await readdir(cacheDir);
    await appendFile(join(cacheDir, segment as string), `{"k":"${key(3)}","v":{"text":"thr`);
    const again = new ResultCache(cacheDir);
    expect(await again.get(key(2))).toMatchObject({ text: 'two' });
    expect(await again.get(key(3))).toBeUndefined();
    await again.close();
  });

  it('never answers for another key that shares the indexed 64 bits', async () => {
    const cacheDir = join(dir, 'cache');
    const cache = new ResultCache(cacheDir);
    const a = `${'ab'.repeat(8)}${'0'.repeat(48)}`;
    const b = `${'ab'.repeat(8)}${'1'.repeat(48)}`;
    await cache.set(a, gen('for a'));
    expect(await cache.get(b)).toBeUndefined();
    expect(await cache.get(a)).toMatchObject({ text: 'for a' });
    await cache.close();
  });

  it('still reads entries in the older one-file-per-entry layout', async () => {
    const cacheDir = join(dir, 'cache');
    const k = key(42);
    await mkdir(join(cacheDir, k.slice(0, 2)), { recursive: true });
    await writeFile(join(cacheDir, k.slice(0, 2), `${k}.json`), JSON.stringify(gen('legacy')));
    const cache = new ResultCache(cacheDir);
    expect(await cache.get(k)).toMatchObject({ text: 'legacy' });
    expect(await cache.get(key(43))).toBeUndefined();
    await cache.close();
  });
});

describe('readLineBatches', () => {
  it('splits like readline (\\n, \\r\\n, lone \\r), keeps characters cut by a read whole, and keeps a last line without newline', async () => {
    const { readLineBatches } = await import('../../evals/line-batches.js');
    const text = 'añb\r\nc😀d\re\n\nf\r';
    const file = join(dir, 'lines.txt');
    await writeFile(file, `${text}\nlast`);
    for (const size of [1, 2, 3, 5, 64]) {
      const lines: string[] = [];
      for await (const batch of readLineBatches(file, size)) lines.push(...batch);
      expect(lines, `read size ${size}`).toEqual(['añb', 'c😀d', 'e', '', 'f', 'last']);
    }
  });
});
