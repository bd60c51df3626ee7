import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SWEEP_SCHEMA_FILE, sweepJsonSchema } from '../../sweep/sweep-json-schema.js';
import { loadSweep } from '../../sweep/sweep-loader.js';

describe('sweep files', () => {
  it('sweep/sweep.schema.json is up to date (npx tsx sweep/sweep-json-schema.ts)', async () => {
    expect(JSON.parse(await readFile(SWEEP_SCHEMA_FILE, 'utf8'))).toEqual(sweepJsonSchema());
  });

  it('the example sweep files are valid', async () => {
    expect((await loadSweep('examples/sweep.yaml')).sweep.trials[0]?.grid).toEqual({
      epochs: [5, 15],
      'extra.hidden': [128, 512],
    });
    expect((await loadSweep('examples/sweep-cloud.yaml')).sweep.concurrency).toEqual({
      openai: 2,
      vertex: 2,
    });
  });

  it('a YAML syntax error names the file and line', async () => {
    await expect(loadSweep('fixtures/sweep/broken.yaml')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      file: 'fixtures/sweep/broken.yaml',
      line: 4,
    });
  });
});
