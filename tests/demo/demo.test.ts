import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDemo } from '../../src/cli/commands/demo.js';

describe('polytune demo', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs the whole flow offline and writes every report under one folder', {
    timeout: 240_000,
  }, async () => {
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    const progress: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      progress.push(String(chunk));
      return true;
    });
    const out = join(mkdtempSync(join(tmpdir(), 'polytune-demo-')), 'demo');

    const code = await runDemo({ out, seed: 7, device: 'cpu', limit: 150 });

    const text = printed.join('');
    expect(text).toContain('read 10,003');
    for (const provider of ['openai', 'vertex', 'sagemaker'])
      expect(text).toMatch(new RegExp(`${provider}\\s+\\S+\\s+~\\$`));
    expect(progress.join('')).toMatch(/epoch 1\/\d+: train loss/);
    expect(text).toMatch(/gate (passed|FAILED)/);
    for (const file of ['results.json', 'summary.md', 'junit.xml', 'report.html', 'results.jsonl']) {
      expect(existsSync(join(out, 'eval', file)), file).toBe(true);
    }
    expect(existsSync(join(out, 'suite.yaml'))).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'eval', 'results.json'), 'utf8'));
    const tuned = results.summary.models.find((m: { model: string }) => !m.model.includes('zero-shot'));
    const zeroShot = results.summary.models.find((m: { model: string }) => m.model.includes('zero-shot'));
    // The fine-tuned head must beat the zero-shot base on held-out intents by a wide margin.
    expect(tuned.categories['held-out'].passRate).toBeGreaterThan(0.8);
    expect(zeroShot.categories['held-out'].passRate).toBeLessThan(0.4);
    expect(code).toBe(text.includes('gate passed') ? 0 : 1);
  });
});
