import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/capture-output.js';
import { bankingSubset, writePreparedSubset } from '../providers/local-onnx/banking-subset.js';

/** `polytune sweep plan` and `polytune sweep run --gate` on the local backend, as a user runs them. */
let root: string;
let sweepFile: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polytune-sweep-cli-'));
  const data = await writePreparedSubset(join(root, 'data'), bankingSubset(4, 20));
  // `data prepare` records the kind in the stats; the helper does not.
  await writeFile(
    join(data.dir, 'manifest.json'),
    JSON.stringify({ ...data.manifest, stats: { kind: 'classification' } }),
  );
  await writeFile(
    join(root, 'polytune.config.json'),
    JSON.stringify({
      providers: { 'local-onnx': { workDir: join(root, 'work'), execution: 'in-process', device: 'cpu' } },
    }),
  );
  await writeFile(
    join(root, 'suite.yaml'),
    [
      'name: intents',
      'sources:',
      '  - heldout: data',
      'graders: [{ type: label }]',
      "thresholds: ['passRate >= 0.01']",
      '',
    ].join('\n'),
  );
  sweepFile = join(root, 'sweep.yaml');
  await writeFile(
    sweepFile,
    [
      'name: cli-grid',
      'data: data',
      'suite: suite.yaml',
      // A model ref as `eval --baseline` takes it: paths in it are relative to the working directory.
      `baseline: local-onnx:zero-shot:${data.dir}`,
      'trials:',
      '  - provider: local-onnx',
      '    extra: { device: cpu, wordCounts: false, hidden: 16 }',
      '    grid: { epochs: [1, 4] }',
      'budget: { usd: 0 }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const common = () => ['--config', join(root, 'polytune.config.json'), '--ledger-dir', join(root, 'ledger')];

// Training and judging on 2 shared cores: allow well over vitest's 60 s default under load.
const SLOW = 240_000;

describe('polytune sweep', () => {
  it(
    'plan lists every trial with its estimate and the total, and sends nothing',
    async () => {
      const { code, stdout } = await runCli('sweep', 'plan', sweepFile, ...common());
      expect(code).toBe(0);
      expect(stdout).toMatch(/2 trials, 2 planned/);
      expect(stdout).toMatch(/local-onnx-1 +local-onnx +default +epochs=1/);
      expect(stdout).toMatch(/total ~\$0 estimated for 2 trials/);
      expect(existsSync(join(root, 'ledger'))).toBe(false);
    },
    SLOW,
  );

  it(
    'run trains, judges on validation, scores the winner on test and gates it',
    async () => {
      const out = join(root, 'out');
      const { code, stdout, stderr } = await runCli(
        'sweep',
        'run',
        sweepFile,
        ...common(),
        '--out',
        out,
        '--gate',
        '--no-cache',
        '--poll-interval',
        '0.05',
      );
      expect(stderr).toMatch(/local-onnx-1: submitted job/);
      expect(stdout).toMatch(/Leaderboard \(validation passRate, point\)/);
      expect(stdout).toMatch(/Winner local-onnx-\d .*test passRate \d+\.\d%.* vs local-onnx:zero-shot/);
      expect(stdout).toMatch(/PASS +passRate >= 0\.01/);
      expect(code).toBe(0);
      const report = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8'));
      expect(report.trials).toHaveLength(2);
      expect(existsSync(join(out, 'sweep.html'))).toBe(true);
    },
    SLOW,
  );
});
