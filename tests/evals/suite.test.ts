import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaseStream } from '../../evals/case-sources.js';
import { SUITE_SCHEMA_FILE, suiteJsonSchema } from '../../evals/suite-json-schema.js';
import { loadSuite } from '../../evals/suite-loader.js';

describe('suite files', () => {
  it('evals/suite.schema.json is up to date (npx tsx evals/suite-json-schema.ts)', async () => {
    expect(JSON.parse(await readFile(SUITE_SCHEMA_FILE, 'utf8'))).toEqual(suiteJsonSchema());
  });

  it('loads YAML with JSONL sources and default graders, giving ids to cases without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-suite-'));
    await writeFile(
      join(dir, 'more.jsonl'),
      '{"input":"2+2","expected":4}\n\n{"id":"x","input":"3+3","expected":6,"category":"math"}\n',
    );
    await writeFile(
      join(dir, 'suite.yaml'),
      'name: math\ngraders:\n  - type: numeric\ncases:\n  - id: one\n    input: "1+1"\n    expected: 2\nsources:\n  - file: more.jsonl\n    category: arithmetic\n',
    );
    const loaded = await loadSuite(join(dir, 'suite.yaml'));
    const cases = [];
    for await (const c of (await openCaseStream(loaded)).cases()) cases.push(c);
    expect(cases.map((c) => [c.category, c.graders?.[0]?.type])).toEqual([
      ['held-out', 'numeric'],
      ['arithmetic', 'numeric'],
      ['math', 'numeric'],
    ]);
    expect(cases[1]?.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the file, line and field of a bad case', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-suite-'));
    await writeFile(join(dir, 'cases.jsonl'), '{"input":"ok"}\n{"inptu":"typo"}\n');
    await writeFile(
      join(dir, 'suite.json'),
      JSON.stringify({ name: 's', sources: [{ file: 'cases.jsonl' }] }),
    );
    const stream = await openCaseStream(await loadSuite(join(dir, 'suite.json')));
    const read = async () => {
      for await (const _ of stream.cases()) void _;
    };
    await expect(read()).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      line: 2,
      message: expect.stringContaining('input:'),
    });
    await writeFile(join(dir, 'bad.yaml'), 'name: s\ngraders:\n  - type: equal\n');
    await expect(loadSuite(join(dir, 'bad.yaml'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('graders.0.type'),
    });
  });

  it('rejects two cases with the same id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-suite-'));
    await writeFile(
      join(dir, 's.json'),
      JSON.stringify({
        name: 's',
        cases: [
          { id: 'a', input: 'x' },
          { id: 'a', input: 'y' },
        ],
      }),
    );
    const stream = await openCaseStream(await loadSuite(join(dir, 's.json')));
    await expect(
      (async () => {
        for await (const _ of stream.cases()) void _;
      })(),
    ).rejects.toThrow(/share the id "a"/);
  });
});
