import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../evals/suite-loader.js';
import { loadThresholdsFile } from '../../evals/thresholds-file.js';

const run = promisify(execFile);

// The examples are type-checked with the rest (tsconfig includes examples/); the ones that need
// no cloud account also run here.
describe('examples', () => {
  it('local-onnx.ts fine-tunes, evaluates and gates without a cloud account', async () => {
    const out = mkdtempSync(join(tmpdir(), 'polytune-example-'));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/local-onnx.ts', 'fixtures/datasets/banking77_train_300.csv', out],
      { env: { ...process.env, CI: '1' }, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(/prepared \d+ examples/);
    expect(stdout).toMatch(/PASS categories\.held-out\.passRate >= 0\.5/);
  });

  it('the CI gate example has a valid suite and thresholds file', async () => {
    const suite = await loadSuite('examples/ci-gate/suite.yaml');
    expect(suite.suite.sources.length).toBeGreaterThan(0);
    const thresholds = await loadThresholdsFile('examples/ci-gate/thresholds.yaml');
    expect(thresholds.useInterval).toBe(true);
    expect(thresholds.thresholds).toContain('latency.p95 <= 800');
  });
});
