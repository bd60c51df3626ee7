import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultLines } from '../../evals/results-log.js';
import { parseSuite } from '../../evals/suite-loader.js';
import { createLocalOnnxProvider } from '../../providers/local-onnx/local-onnx-provider.js';
import { readExamples } from '../../src/dataset/read-prepared.js';
import { JobLedger } from '../../src/jobs/job-ledger.js';
import { runSweep } from '../../sweep/run-sweep.js';
import type { SplitReader } from '../../sweep/split-cases.js';
import type { SweepEvent } from '../../sweep/sweep-events.js';
import { parseSweep } from '../../sweep/sweep-loader.js';
import { bankingSubset, writePreparedSubset } from '../providers/local-onnx/banking-subset.js';

/**
 * The whole sweep on the local backend and a real dataset (a Banking77 subset):
 * a 2 × 2 grid trains four classifiers, each is judged on the validation split,
 * the winner alone is scored on the test split, which is read exactly once.
 */
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((d) => rm(d, { recursive: true, force: true })));
});

// Training and judging on 2 shared cores: allow well over vitest's 60 s default under load.
const SLOW = 240_000;

describe('polytune sweep on the local backend', () => {
  it(
    'sweeps a 4-setting grid, picks the winner on validation and reads the test split once, for the winner only',
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'polytune-sweep-local-'));
      roots.push(root);
      const subset = bankingSubset(6, 30);
      const data = await writePreparedSubset(join(root, 'data'), subset);
      // The helper writes no stats; `data prepare` records the kind there, and validate() reads it.
      Object.assign(data.manifest.stats, { kind: 'classification' });
      const provider = createLocalOnnxProvider({
        workDir: join(root, 'work'),
        execution: 'in-process',
        device: 'cpu',
      });
      const reads: string[] = [];
      const readSplit: SplitReader = (file, split) => {
        reads.push(split);
        return readExamples(file);
      };
      const suite = parseSuite(
        {
          name: 'banking',
          sources: [{ heldout: data.dir }, { generate: ['edge', 'adversarial'], rate: 0.1, seed: 3 }],
          graders: [{ type: 'label' }],
          thresholds: ['categories.held-out.passRate >= 0.3', 'vsBaseline.delta >= 0'],
        },
        root,
      );
      const sweep = parseSweep(
        {
          name: 'banking-grid',
          data: data.dir,
          suite: 'suite.yaml',
          baseline: `local-onnx:zero-shot:${data.dir}`,
          trials: [
            {
              provider: 'local-onnx',
              fixed: { seed: 1 },
              extra: { device: 'cpu', wordCounts: false },
              grid: { epochs: [1, 6], 'extra.hidden': [8, 64] },
            },
          ],
          budget: { usd: 0 },
          metric: 'categories.held-out.passRate',
        },
        root,
      );
      const events: SweepEvent[] = [];
      const options = {
        providers: async () => provider,
        data,
        suite,
        ledger: new JobLedger({ dir: join(root, 'ledger') }),
        out: join(root, 'out'),
        readSplit,
        resolveModel: (ref: string) => provider.model(ref.replace(/^local-onnx:/, '')),
        wait: { intervalMs: 20, maxIntervalMs: 100, jitter: 0 },
        eval: { cache: join(root, 'eval-cache'), concurrency: 4 },
        onEvent: (event: SweepEvent) => events.push(event),
      };
      const report = await runSweep(sweep, options);

      expect(report.trials.map((t) => t.reason ?? t.status)).toEqual([
        'evaluated',
        'evaluated',
        'evaluated',
        'evaluated',
      ]);
      expect(report.trials.map((t) => [t.hyperparameters.epochs, t.extra?.hidden])).toEqual([
        [1, 8],
        [1, 64],
        [6, 8],
        [6, 64],
      ]);
      // The grid matters (the four settings do not all score alike), and the winner has the best validation figure.
      expect(new Set(report.trials.map((t) => t.validation?.value)).size).toBeGreaterThan(1);
      const best = Math.max(...report.trials.map((t) => t.validation?.value ?? -1));
      const winner = report.trials.find((t) => t.id === report.winner?.trial);
      expect(winner?.validation?.value).toBe(best);
      expect(report.pareto).toContain(winner?.id);

      // The test split was read once, after every validation judgement, for the winner only.
      expect(reads).toEqual(['validation', 'test']);
      const winnerIndex = events.findIndex((e) => e.type === 'winner');
      const lastTrial = events.map((e) => e.type).lastIndexOf('trial-done');
      expect(winnerIndex).toBeGreaterThan(lastTrial);

      // Trials were judged on validation texts only (plus cases derived from them), never on test texts.
      const validationTexts = new Set(subset.validation.map((e) => e.text));
      const testTexts = new Set(subset.test.map((e) => e.text));
      for await (const result of readResultLines(
        join(root, 'out', 'trials', 'local-onnx-1', 'results.jsonl'),
      )) {
        if (result.category === 'held-out') expect(validationTexts.has(result.input as string)).toBe(true);
      }
      const testResults = [];
      for await (const result of readResultLines(join(root, 'out', 'test', 'results.jsonl'))) {
        if (result.category === 'held-out') testResults.push(result);
      }
      expect(testResults.length).toBe(subset.test.length * 2); // winner + baseline
      expect(testResults.every((r) => testTexts.has(r.input as string))).toBe(true);

      // Only the test figure is the winner's score; it is compared with the zero-shot baseline.
      const test = report.winner?.test;
      expect(test?.metric?.value).toBeGreaterThan(0);
      expect(test?.summary.vsBaseline?.baseline).toContain('zero-shot');
      expect(test?.baseline?.model).toContain('zero-shot');
      expect(report.gate?.lines.map((l) => l.threshold)).toEqual([
        'categories.held-out.passRate >= 0.3',
        'vsBaseline.delta >= 0',
      ]);
      const json = JSON.parse(await readFile(join(root, 'out', 'sweep.json'), 'utf8'));
      expect(json.winner.trial).toBe(report.winner?.trial);
      expect(json.discipline).toMatch(/validation split/);
      const html = await readFile(join(root, 'out', 'sweep.html'), 'utf8');
      expect(html).toContain(`Winner: ${report.winner?.trial}`);
      expect(html).toContain('<svg');

      // A second run re-attaches to every trial's job: nothing is trained again.
      const again: SweepEvent[] = [];
      await runSweep(sweep, { ...options, onEvent: (e) => again.push(e) });
      const submitted = again.filter((e) => e.type === 'trial-submitted');
      expect(submitted).toHaveLength(4);
      expect(submitted.every((e) => e.type === 'trial-submitted' && e.reattached)).toBe(true);
    },
    SLOW,
  );

  it(
    'successive halving: both settings probe half their epochs, only the better one trains in full',
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'polytune-sweep-halving-'));
      roots.push(root);
      const data = await writePreparedSubset(join(root, 'data'), bankingSubset(4, 20));
      Object.assign(data.manifest.stats, { kind: 'classification' });
      const provider = createLocalOnnxProvider({
        workDir: join(root, 'work'),
        execution: 'in-process',
        device: 'cpu',
      });
      const submitted: number[] = [];
      const report = await runSweep(
        parseSweep({
          name: 'halving',
          data: data.dir,
          trials: [
            {
              provider: 'local-onnx',
              extra: { device: 'cpu', wordCounts: false },
              grid: { epochs: [6], 'extra.hidden': [4, 64] },
              halving: { fraction: 0.5 },
            },
          ],
          budget: { usd: 0 },
        }),
        {
          providers: async () => provider,
          data,
          suite: parseSuite(
            { name: 's', sources: [{ heldout: data.dir }], graders: [{ type: 'label' }] },
            root,
          ),
          ledger: new JobLedger({ dir: join(root, 'ledger') }),
          out: join(root, 'out'),
          wait: { intervalMs: 20, maxIntervalMs: 100, jitter: 0 },
          eval: { cache: false },
          onEvent: (e) => {
            if (e.type === 'trial-start') submitted.push(0);
          },
        },
      );
      expect(submitted).toHaveLength(3); // two probes of 3 epochs, one full run of 6
      expect(report.trials.map((t) => t.status).sort()).toEqual(['evaluated', 'halved']);
      const winner = report.trials.find((t) => t.status === 'evaluated');
      expect(report.winner?.trial).toBe(winner?.id);
      expect(winner?.hyperparameters.epochs).toBe(6);
      expect(report.trials.find((t) => t.status === 'halved')?.hyperparameters.epochs).toBe(3);
    },
    SLOW,
  );
});
