import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { compilers } from '../../providers/compilers.js';
import { checkDataset } from '../../src/dataset/check-dataset.js';
import { defineCompiler } from '../../src/dataset/compiler.js';
import { chatTokens } from '../../src/dataset/token-count.js';
import { billingEstimate, defaultEpochs, tokenDistribution } from '../../src/dataset/token-stats.js';

const TOY = 'fixtures/datasets/toy_chat_fine_tuning.jsonl';

async function temp(name: string, lines: unknown[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-check-'));
  const file = join(dir, name);
  await writeFile(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return file;
}

const codesAt = (issues: { code: string; line?: number }[], line: number) =>
  issues.filter((i) => i.line === line).map((i) => i.code);

describe('data check on the cookbook toy chat file', () => {
  it('flags the example with no user message (line 4) and the 26,000-character reply (line 5) by line', async () => {
    const report = await checkDataset(TOY, { compilers });
    expect(report.kind).toBe('chat');
    expect(report.errors).toBe(0);
    expect(report.usable).toBe(true);
    expect(codesAt(report.issues, 4)).toContain('missing_user_message');
    expect(codesAt(report.issues, 5)).toEqual(expect.arrayContaining(['long_example', 'repetitive_content']));
    expect(codesAt(report.issues, 3)).toContain('missing_system_message');
    expect(report.counts).toEqual({ read: 5, kept: 5, dropped: 0 });
    // The notebook's num_tokens_from_messages: 3 per message + values + 3.
    expect(report.tokens.distribution.max).toBeGreaterThan(6000);
    expect(report.issues.find((i) => i.code === 'too_few_examples')?.provider).toBe('openai');
  });
});

describe("the cookbook's format checks", () => {
  it('reports each error class with its line', async () => {
    const ok = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    };
    const file = await temp('bad.jsonl', [
      ok,
      '"just a string"',
      { nothing: true, messages: [] },
      { messages: [{ role: 'user' }, { role: 'assistant', content: 'x' }] },
      {
        messages: [
          { role: 'user', content: 'a', mood: 'happy' },
          { role: 'assistant', content: 'x' },
        ],
      },
      {
        messages: [
          { role: 'human', content: 'a' },
          { role: 'assistant', content: 'x' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 42 },
          { role: 'assistant', content: 'x' },
        ],
      },
      {
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'q' },
        ],
      },
      '{not json',
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'x', weight: 2 },
        ],
      },
    ]);
    const report = await checkDataset(file);
    expect(codesAt(report.issues, 2)).toEqual(['data_type']);
    expect(codesAt(report.issues, 3)).toContain('missing_messages_list');
    expect(codesAt(report.issues, 4)).toContain('message_missing_key');
    expect(codesAt(report.issues, 5)).toContain('message_unrecognized_key');
    expect(codesAt(report.issues, 6)).toContain('unrecognized_role');
    expect(codesAt(report.issues, 7)).toContain('missing_content');
    expect(codesAt(report.issues, 8)).toContain('example_missing_assistant_message');
    expect(codesAt(report.issues, 9)).toContain('parse_error');
    expect(codesAt(report.issues, 10)).toContain('invalid_weight');
    expect(report.usable).toBe(false);
    expect(report.counts.kept + report.counts.dropped).toBe(report.counts.read);
    expect(report.counts).toMatchObject({ read: 10, kept: 1 });
  });

  it('warns about examples over a provider token limit, by line and provider', async () => {
    const small = defineCompiler({
      provider: 'tiny',
      kinds: ['chat'],
      limits: { maxTokensPerExample: 100, approximateTokens: false },
      compileExample: () => '{}',
    });
    const report = await checkDataset(TOY, { compilers: [small] });
    const over = report.issues.filter((i) => i.code === 'over_token_limit');
    expect(over.map((i) => [i.line, i.provider])).toEqual(
      [
        [5, 'tiny'],
        [2, 'tiny'],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    expect(report.providers[0]).toMatchObject({ provider: 'tiny', overLimit: 2 });
  });

  it('an explicitly requested provider that cannot take the kind is an error', async () => {
    // local-onnx takes chat, completion and classification (LoRA on a causal LM), not preference pairs.
    const pairs = await temp('pairs.jsonl', [
      { prompt: 'Say hi', chosen: 'hi', rejected: 'go away' },
      { prompt: 'Say bye', chosen: 'bye', rejected: 'no' },
    ]);
    const report = await checkDataset(pairs, { compilers, providers: ['local-onnx'] });
    expect(report.issues).toContainEqual(
      expect.objectContaining({ code: 'unsupported_kind', severity: 'error' }),
    );
    expect(report.usable).toBe(false);
  });
});

describe('presets and column mapping', () => {
  it('detects Dolly as instruction/context/response → completion', async () => {
    const report = await checkDataset('fixtures/datasets/dolly_first100.jsonl');
    expect(report).toMatchObject({ preset: 'instruction', kind: 'completion', errors: 0 });
    expect(report.counts.read).toBe(100);
  });

  it('maps Bitext columns with --map to classification', async () => {
    const report = await checkDataset('fixtures/datasets/bitext_customer_support_80.csv', {
      map: { text: 'instruction', label: 'intent' },
      kind: 'classification',
    });
    expect(report.kind).toBe('classification');
    expect(report.counts.read).toBe(80);
    const labelled = Object.values(report.labels ?? {}).reduce((a, b) => a + b, 0);
    expect(labelled).toBe(report.counts.kept);
  });

  it('warns about rare labels and class imbalance', async () => {
    const rows = ['text,label'];
    for (let i = 0; i < 60; i++) rows.push(`common question number ${i} about cards ${i * 7},common`);
    rows.push('a lonely rare question,rare');
    const file = await temp('labels.csv', rows);
    const report = await checkDataset(file);
    expect(report.labels).toEqual({ common: 60, rare: 1 });
    expect(report.issues.map((i) => i.code)).toEqual(
      expect.arrayContaining(['rare_label', 'class_imbalance']),
    );
  });

  it('reads the drone tool-calling examples (tools, tool_calls, parallel_tool_calls) without errors', async () => {
    const report = await checkDataset('fixtures/datasets/drone_tool_calls_30.jsonl', { compilers });
    expect(report).toMatchObject({ kind: 'chat', errors: 0, counts: { read: 30 } });
  });

  it('names file and line when the shape cannot be told', async () => {
    const file = await temp('odd.jsonl', [{ foo: 1 }]);
    await expect(checkDataset(file)).rejects.toMatchObject({ code: 'INVALID_INPUT', line: 1, file });
  });
});

describe('token statistics', () => {
  it('counts chat tokens like the cookbook', () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Hello there' },
    ];
    const expected =
      3 +
      (3 + countTokens('system') + countTokens('You are terse.')) +
      (3 + countTokens('user') + countTokens('Hello there'));
    expect(chatTokens(messages)).toBe(expected);
  });

  it('computes the distribution, the epoch heuristic and billable tokens', () => {
    expect(tokenDistribution([5, 1, 3, 2, 4])).toMatchObject({ min: 1, p50: 3, max: 5, total: 15, mean: 3 });
    expect(defaultEpochs(5)).toBe(20); // 100 // 5
    expect(defaultEpochs(50)).toBe(3);
    expect(defaultEpochs(20_000)).toBe(1); // max(1, 25000 // 20000)
    expect(billingEstimate([10, 200], 100, 2)).toMatchObject({ tokensPerEpoch: 110, billableTokens: 220 });
  });
});
